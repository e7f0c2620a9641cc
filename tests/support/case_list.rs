// Included by the build scripts of the core and of crates/host-tests: writes `$OUT_DIR/testdata_cases.rs`,
// one `case!(ident, "dir-name");` line per folder of testdata/cases, so that every case is a test of its own
// (`cargo nextest run -E 'test(=testdata::remove)'`), and a new folder is a new test without an edit.

fn write_case_list(cases_dir: &std::path::Path) {
    println!("cargo:rerun-if-changed={}", cases_dir.display());
    let mut names: Vec<String> = std::fs::read_dir(cases_dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", cases_dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out = String::new();
    for name in &names {
        let ident: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        out.push_str(&format!("case!({ident}, {name:?});\n"));
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("testdata_cases.rs");
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
