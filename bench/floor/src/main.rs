//! The parse-and-emit floor: stdin through the YAML layer to stdout, reading and writing the way the function
//! does, without the injection: a ResourceList item by item (`lossless_yaml::{ListReader, ListWriter}`), any
//! other text (or with `--whole`) through `parse_stream` and `emit_stream_from`, the whole tree at once. Nothing
//! is changed, so everything is written back as its text. Exit 1 on a parse error.
use std::io::{Read, Write};

fn main() {
    let whole = std::env::args().any(|a| a == "--whole");
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("parse-emit: cannot read stdin: {e}");
        std::process::exit(1);
    }
    let out = match if whole { Ok(None) } else { item_by_item(&input) } {
        Ok(Some(out)) => out,
        Ok(None) => match lossless_yaml::parse_stream(&input) {
            Ok(docs) => lossless_yaml::emit_stream_from(&docs, &input),
            Err(e) => fail(e),
        },
        Err(e) => fail(e),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

fn fail(e: lossless_yaml::ParseError) -> ! {
    eprintln!("parse-emit: {e}");
    std::process::exit(1);
}

/// The list read and written item by item; `None` for text that is not one the function reads so.
fn item_by_item(input: &[u8]) -> Result<Option<String>, lossless_yaml::ParseError> {
    let Some(mut reader) = lossless_yaml::ListReader::open(input, "items")? else { return Ok(None) };
    let Some(mut writer) = lossless_yaml::ListWriter::new(input, reader.head()) else { return Ok(None) };
    while let Some(item) = reader.next_item()? {
        if writer.item(item).is_none() {
            return Ok(None);
        }
    }
    let (docs, items_end) = reader.finish()?;
    Ok(match docs.as_slice() {
        [doc] => writer.finish(doc, items_end, None),
        _ => None,
    })
}
