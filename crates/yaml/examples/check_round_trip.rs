//! A debugging aid: `cargo run -p lossless-yaml --example check_round_trip -- FILE` puts one file through the
//! layer's round-trip check (meaning kept, unchanged text written back byte for byte), showing the input first.
fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: check_round_trip FILE");
        std::process::exit(2);
    };
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("{}: {e}", path.to_string_lossy());
            std::process::exit(2);
        }
    };
    println!("--- input\n{}", String::from_utf8_lossy(&data));
    match lossless_yaml::meaning::check_round_trip(&data) {
        Ok(()) => println!("--- ok"),
        Err(e) => {
            println!("--- failed\n{e}");
            std::process::exit(1);
        }
    }
}
