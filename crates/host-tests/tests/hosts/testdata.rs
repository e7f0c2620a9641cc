//! Every case under `testdata/cases/` through the native binary and the `.wasm` under wasmtime, byte for byte
//! against the same expected files the library is held to (tests/core/testdata.rs): `native::NAME` and
//! `wasm::NAME`, one test per case and artifact.

#[path = "../../../../tests/support/cases.rs"]
pub(crate) mod cases;

use crate::common::{self, RunOutput};
use cases::{differences, env_for, Case};

fn case(name: &str) -> Case {
    cases::case_in(&common::repo_root().join("testdata/cases"), name)
}

fn check(case: &Case, how: &str, out: &RunOutput) {
    let failures = differences(case, how, &out.stdout, &out.stderr_str(), out.code);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

mod native {
    use super::*;
    macro_rules! case {
        ($ident:ident, $name:literal) => {
            #[test]
            fn $ident() {
                let case = case($name);
                check(&case, "native binary", &common::run_native(&case.input, &env_for(&case), &[]));
            }
        };
    }
    include!(concat!(env!("OUT_DIR"), "/testdata_cases.rs"));
}

mod wasm {
    use super::*;
    macro_rules! case {
        ($ident:ident, $name:literal) => {
            #[test]
            fn $ident() {
                let case = case($name);
                check(&case, "wasm under wasmtime", &common::run_wasm(&case.input, &env_for(&case), &[]));
            }
        };
    }
    include!(concat!(env!("OUT_DIR"), "/testdata_cases.rs"));
}
