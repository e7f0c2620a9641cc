//! The parse-and-emit floor: stdin through `lossless_yaml::{parse_stream, emit_stream_from}` to stdout,
//! exactly the reading and writing the function does, without the injection (so the tree comes back
//! unchanged, and is written back as its text). Exit 1 on a parse error.
use std::io::{Read, Write};

fn main() {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("parse-emit: cannot read stdin: {e}");
        std::process::exit(1);
    }
    let docs = match lossless_yaml::parse_stream(&input) {
        Ok(docs) => docs,
        Err(e) => {
            eprintln!("parse-emit: {e}");
            std::process::exit(1);
        }
    };
    let out = lossless_yaml::emit_stream_from(&docs, &input);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
