//! sidecar-injector for kpt's WebAssembly runtime (`kpt fn eval --allow-alpha-wasm`, `kpt fn render
//! --allow-alpha-wasm`).
//!
//! kpt runs a wasm function through a node script (its "glue", a variant of Go's `wasm_exec.js`) that speaks Go's
//! js/wasm ABI, not WASI. The glue calls the export `run`, then calls the JavaScript global
//! `processResourceList(input)` that `run` registered; if the string it returns contains `kind: ResourceList` the glue
//! prints it, otherwise it prints `processResourceListErrors(input)`. Node exits 0 either way unless the module
//! sets `process.exitCode`, and that exit code is the only thing that makes kpt report a failure.
//!
//! This crate answers those two calls with the core's [`sidecar_injector::process`], the same function the WASI
//! command runs: [`reply`] is that part, plain Rust, tested natively; the ABI (the exports `mem`, `run`, `resume`,
//! `getsp` and the imports from module `go`) is in `abi` and exists only in the wasm32 build.
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(target_arch = "wasm32")]
mod abi;

/// The JavaScript globals `run` registers, and the id each one's calls come back with.
pub const ENTRY_POINTS: [(&str, Entry); 2] =
    [("processResourceList", Entry::ResourceList), ("processResourceListErrors", Entry::Errors)];

/// Which registered global was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `processResourceList(input)`: the output ResourceList.
    ResourceList = 1,
    /// `processResourceListErrors(input)`: called by the glue only when the first call's result was not a
    /// ResourceList (the input could not be read as one); the error text.
    Errors = 2,
}

impl Entry {
    pub fn from_id(id: f64) -> Option<Entry> {
        ENTRY_POINTS.iter().map(|&(_, entry)| entry).find(|&entry| entry as u8 as f64 == id)
    }
}

/// What one call hands back to the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The call's return value (a JavaScript string; always valid UTF-8, since the core writes UTF-8 YAML and
    /// UTF-8 messages).
    pub result: String,
    /// For the host's stderr, as the WASI command writes it.
    pub stderr: String,
    /// For `process.exitCode`; 0 leaves it alone.
    pub exit_code: i32,
}

/// The answer to one call of a registered global, on the input the glue read from stdin.
pub fn reply(entry: Entry, input: &[u8]) -> Reply {
    let output = sidecar_injector::process(input);
    match entry {
        Entry::ResourceList => {
            let mut result = String::from_utf8_lossy(&output.stdout).into_owned();
            // The glue prints the result with console.log, which adds a newline: without this one the output
            // would end in two where the WASI command's ends in one.
            if result.ends_with('\n') {
                result.pop();
            }
            Reply { result, stderr: output.stderr, exit_code: output.exit_code }
        }
        // The first call already wrote stderr and set the exit code; this is the same text once more, for the
        // glue to print where the ResourceList would have been.
        Entry::Errors => Reply { result: output.stderr.trim_end().to_owned(), stderr: String::new(), exit_code: 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG_AND_ONE_DEPLOYMENT: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: log-agent
  data:
    name: log-agent
    image: fluent/fluent-bit:3.1
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    template:
      spec:
        containers:
        - name: app
          image: nginx
";

    #[test]
    fn the_result_is_the_cores_stdout_less_the_newline_console_log_adds() {
        let core = sidecar_injector::process(CONFIG_AND_ONE_DEPLOYMENT.as_bytes());
        assert_eq!(core.exit_code, 0, "{}", core.stderr);
        let reply = reply(Entry::ResourceList, CONFIG_AND_ONE_DEPLOYMENT.as_bytes());
        assert_eq!(format!("{}\n", reply.result).as_bytes(), core.stdout.as_slice());
        assert!(reply.result.contains("kind: ResourceList"), "the glue prints it only then");
        assert_eq!(reply.exit_code, 0);
    }

    #[test]
    fn a_bad_config_keeps_the_resource_list_and_carries_the_message_and_exit_code() {
        let bad = CONFIG_AND_ONE_DEPLOYMENT.replace("    image:", "    imgae:");
        let core = sidecar_injector::process(bad.as_bytes());
        let reply = reply(Entry::ResourceList, bad.as_bytes());
        assert_eq!(reply.exit_code, 1);
        assert_eq!(reply.stderr, core.stderr);
        assert!(reply.stderr.contains("data.imgae"), "{}", reply.stderr);
        assert!(reply.result.contains("kind: ResourceList") && reply.result.contains("severity: error"));
    }

    #[test]
    fn input_that_is_no_resource_list_gets_the_message_from_the_errors_entry() {
        let first = reply(Entry::ResourceList, b"[not, a, mapping]");
        assert!(!first.result.contains("kind: ResourceList"), "so the glue calls the errors entry");
        assert_eq!(first.exit_code, 1);
        let errors = reply(Entry::Errors, b"[not, a, mapping]");
        assert_eq!(errors.result, first.stderr.trim_end());
        assert!(errors.result.starts_with("sidecar-injector: error:"), "{}", errors.result);
        assert_eq!((errors.stderr.as_str(), errors.exit_code), ("", 0), "written once, by the first call");
    }

    #[test]
    fn ids_name_the_entry_points() {
        assert_eq!(Entry::from_id(1.0), Some(Entry::ResourceList));
        assert_eq!(Entry::from_id(2.0), Some(Entry::Errors));
        assert_eq!(Entry::from_id(0.5), None);
    }
}
