//! Argo CD, both ways (argocd/): what can be proven without a running Argo CD or a Docker engine.
//!
//! - The Config Management Plugin's `generate` script runs locally on the example apps, with the binary built
//!   for this test run on PATH as `sidecar-injector`: its stdout must be only YAML objects, with the sidecar
//!   injected; on any failure it must print nothing and exit non-zero (Argo CD would otherwise sync a partial
//!   render).
//! - `plugin.yaml`, the repo-server patches and the argocd-cm patch are parsed with the crate's YAML parser and
//!   checked against the CMP layout Argo CD documents (names, mounts, uid, entrypoint) and against each other
//!   (the paths the Dockerfiles install to are the paths the manifests use).
//! - With kubectl: both kustomize Components applied to a stand-in Argo CD install; and the built-in way's init
//!   container command, run against a local directory, lays the plugin out where kustomize finds it.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lossless_yaml::{parse_stream, Node};

const ROOT: &str = common::ROOT;

pub(crate) fn argocd() -> PathBuf {
    Path::new(ROOT).join("argocd")
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-injector-argocd-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(out: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub(crate) fn docs(bytes: &[u8]) -> Vec<Node> {
    parse_stream(bytes)
        .unwrap_or_else(|e| panic!("not YAML: {e}\n{}", String::from_utf8_lossy(bytes)))
        .into_iter()
        .map(|d| d.root)
        .collect()
}

pub(crate) fn read_doc(path: &Path) -> Node {
    let mut all = docs(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    assert_eq!(all.len(), 1, "{} must be one document", path.display());
    all.remove(0)
}

pub(crate) fn at<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().try_fold(node, |n, k| n.get(k))
}

fn str_at<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a str> {
    at(node, keys).and_then(Node::as_str)
}

/// A scalar's text, whatever its type (`999`, `true`).
fn scalar_at<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a str> {
    at(node, keys).and_then(Node::as_scalar).map(|s| s.value.as_str())
}

pub(crate) fn seq<'a>(node: &'a Node, keys: &[&str]) -> &'a [Node] {
    at(node, keys).and_then(Node::as_sequence).map_or(&[], |s| s.items.as_slice())
}

pub(crate) fn named<'a>(list: &'a [Node], name: &str) -> &'a Node {
    list.iter()
        .find(|n| n.get("name").and_then(Node::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no entry named {name}"))
}

pub(crate) fn strings(list: &[Node]) -> Vec<&str> {
    list.iter().map(|n| n.as_str().expect("a string")).collect()
}

/// A directory holding only `sidecar-injector` (the test binary), to put first on PATH.
pub(crate) fn bin_dir(test: &str) -> PathBuf {
    let bin = scratch(test).join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(common::native_binary_path(), bin.join("sidecar-injector")).unwrap();
    bin
}

/// Runs the CMP's generate script in `app` (Argo CD runs it in the Application's source directory).
pub(crate) fn generate(app: &Path, bin: &Path, env: &[(&str, &str)]) -> Output {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new(argocd().join("cmp/generate.sh"));
    cmd.current_dir(app).env("PATH", path).env_remove("ARGOCD_ENV_SIDECAR_INJECTOR_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("generate.sh runs")
}

/// Argo CD parses all of generate's stdout as manifests: every document must be a Kubernetes object.
fn objects(out: &Output) -> Vec<Node> {
    let all = docs(&out.stdout);
    assert!(!all.is_empty(), "no output:\n{}", text(out));
    for doc in &all {
        assert!(
            str_at(doc, &["apiVersion"]).is_some()
                && str_at(doc, &["kind"]).is_some()
                && str_at(doc, &["metadata", "name"]).is_some(),
            "not a Kubernetes object: {doc:?}\n{}",
            text(out)
        );
    }
    all
}

fn find<'a>(objects: &'a [Node], kind: &str, name: &str) -> &'a Node {
    objects
        .iter()
        .find(|o| str_at(o, &["kind"]) == Some(kind) && str_at(o, &["metadata", "name"]) == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

// --- the Config Management Plugin's generate ----------------------------------------------------------------

#[test]
fn generate_on_a_plain_manifest_app() {
    let app = argocd().join("example-apps/plain");
    let out = generate(&app, &bin_dir("generate-plain"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let objects = objects(&out);
    assert_eq!(objects.len(), 2, "the Deployment and the Service, and not the config:\n{}", text(&out));
    let deployment = find(&objects, "Deployment", "billing");
    let pod = at(deployment, &["spec", "template", "spec"]).unwrap();
    let containers = seq(pod, &["containers"]);
    assert!(str_at(named(containers, "memcached"), &["image"]).is_some_and(|i| i.starts_with("memcached:")));
    let env = seq(named(containers, "billing"), &["env"]);
    assert_eq!(str_at(named(env, "MEMCACHED_ADDR"), &["value"]), Some("127.0.0.1:11211"));
    let status = str_at(deployment, &["spec", "template", "metadata", "annotations", "sidecar-injector.dev/status"]);
    assert!(status.is_some_and(|s| s.contains("\"local-cache\"")), "{}", text(&out));
    // The Service passes through as it was.
    let original = docs(&std::fs::read(app.join("service.yaml")).unwrap()).remove(0);
    assert!(original.same_meaning(find(&objects, "Service", "billing")));
}

#[test]
#[cfg_attr(not(any(host_kubectl, host_kustomize)), ignore = "neither kubectl nor kustomize is on PATH")]
fn generate_on_a_kustomize_app() {
    let app = argocd().join("example-apps/kustomize");
    let out = generate(&app, &bin_dir("generate-kustomize"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let objects = objects(&out);
    assert_eq!(objects.len(), 2, "{}", text(&out));
    let deployment = find(&objects, "Deployment", "orders");
    assert_eq!(str_at(deployment, &["metadata", "namespace"]), Some("orders"), "kustomize ran first");
    let template = at(deployment, &["spec", "template"]).unwrap();
    assert!(seq(template, &["spec", "containers"]).iter().any(|c| str_at(c, &["name"]) == Some("node-exporter")));
    assert_eq!(str_at(template, &["metadata", "annotations", "prometheus.io/scrape"]), Some("true"));
    find(&objects, "Service", "orders");
}

/// `kubectl get deploy -o yaml > app.yaml` writes a `kind: List`: its items are injected, and the List is kept.
#[test]
fn generate_injects_into_the_items_of_a_list() {
    let app = scratch("generate-list-app").join("app");
    std::fs::create_dir_all(&app).unwrap();
    let plain = argocd().join("example-apps/plain");
    let deployment = std::fs::read_to_string(plain.join("deployment.yaml")).unwrap();
    let item: String = deployment
        .lines()
        .filter(|l| !l.starts_with('#') && *l != "---")
        .enumerate()
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
        .collect();
    std::fs::write(app.join("app.yaml"), format!("apiVersion: v1\nkind: List\nitems:\n{item}")).unwrap();
    std::fs::copy(plain.join("sidecar-injector.yaml"), app.join("sidecar-injector.yaml")).unwrap();
    let out = generate(&app, &bin_dir("generate-list"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let all = docs(&out.stdout);
    assert_eq!(all.len(), 1, "{}", text(&out));
    assert_eq!(str_at(&all[0], &["kind"]), Some("List"), "{}", text(&out));
    let items = seq(&all[0], &["items"]);
    let containers = seq(find(items, "Deployment", "billing"), &["spec", "template", "spec", "containers"]);
    assert!(containers.iter().any(|c| str_at(c, &["name"]) == Some("memcached")), "{}", text(&out));
}

/// A config named by the Application's plugin env (`ARGOCD_ENV_` + the name), instead of the default file.
#[test]
fn generate_takes_the_config_named_by_the_application() {
    let app = scratch("generate-env-app").join("app");
    std::fs::create_dir_all(&app).unwrap();
    let plain = argocd().join("example-apps/plain");
    std::fs::copy(plain.join("deployment.yaml"), app.join("deployment.yaml")).unwrap();
    std::fs::copy(plain.join("sidecar-injector.yaml"), app.join("injector-config.yaml")).unwrap();
    let out =
        generate(&app, &bin_dir("generate-env"), &[("ARGOCD_ENV_SIDECAR_INJECTOR_CONFIG", "injector-config.yaml")]);
    assert!(out.status.success(), "{}", text(&out));
    let objects = objects(&out);
    assert_eq!(objects.len(), 1, "the config file is not a manifest:\n{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: memcached"));
}

/// Every failure: exit non-zero, nothing on stdout, the reason on stderr.
#[test]
fn generate_fails_cleanly() {
    let root = scratch("generate-fails");
    let bin = bin_dir("generate-fails-bin");
    let plain = argocd().join("example-apps/plain");
    let case = |name: &str, files: &[(&str, &str)]| -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, content) in files {
            std::fs::write(dir.join(file), content).unwrap();
        }
        dir
    };
    let deployment = std::fs::read_to_string(plain.join("deployment.yaml")).unwrap();
    let config = std::fs::read_to_string(plain.join("sidecar-injector.yaml")).unwrap();
    let bad_config = config.replace("image: memcached", "imagee: memcached");
    let cases = [
        ("no config", case("no-config", &[("deployment.yaml", &deployment)]), "no config"),
        ("no manifests", case("no-manifests", &[("sidecar-injector.yaml", &config)]), "no manifests"),
        (
            "a bad config",
            case("bad-config", &[("deployment.yaml", &deployment), ("sidecar-injector.yaml", &bad_config)]),
            "imagee",
        ),
        (
            "a manifest that is not YAML",
            case("not-yaml", &[("deployment.yaml", "a: [\n"), ("sidecar-injector.yaml", &config)]),
            "YAML",
        ),
    ];
    for (what, dir, reason) in cases {
        let out = generate(&dir, &bin, &[]);
        assert!(!out.status.success(), "{what}: exit 0\n{}", text(&out));
        assert!(out.stdout.is_empty(), "{what}: printed something\n{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(reason),
            "{what}: stderr does not say {reason:?}\n{}",
            text(&out)
        );
    }
}

/// A kustomization that fails to build must not become an empty render (the pipe's status counts).
#[test]
#[cfg_attr(not(any(host_kubectl, host_kustomize)), ignore = "neither kubectl nor kustomize is on PATH")]
fn generate_fails_cleanly_when_kustomize_fails() {
    let dir = scratch("generate-kustomize-fails");
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- missing.yaml\n").unwrap();
    std::fs::copy(argocd().join("example-apps/plain/sidecar-injector.yaml"), dir.join("sidecar-injector.yaml"))
        .unwrap();
    let out = generate(&dir, &bin_dir("generate-kustomize-fails-bin"), &[]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.yaml"), "{}", text(&out));
}

// --- the Config Management Plugin's manifests ---------------------------------------------------------------

#[test]
fn plugin_yaml_is_a_config_management_plugin_discovered_by_its_config() {
    let plugin = read_doc(&argocd().join("cmp/plugin.yaml"));
    assert_eq!(str_at(&plugin, &["apiVersion"]), Some("argoproj.io/v1alpha1"));
    assert_eq!(str_at(&plugin, &["kind"]), Some("ConfigManagementPlugin"));
    assert_eq!(str_at(&plugin, &["metadata", "name"]), Some("sidecar-injector"));
    assert_eq!(str_at(&plugin, &["spec", "discover", "fileName"]), Some("./sidecar-injector.yaml"));
    let command = strings(seq(&plugin, &["spec", "generate", "command"]));
    assert_eq!(command, ["/usr/local/bin/sidecar-injector-generate"]);

    // The image puts the script and the binary where plugin.yaml and the script expect them.
    let dockerfile = std::fs::read_to_string(argocd().join("cmp/Dockerfile")).unwrap();
    assert!(dockerfile.lines().any(|l| l == format!("COPY argocd/cmp/generate.sh {}", command[0])), "{dockerfile}");
    assert!(
        dockerfile.lines().any(|l| l == "COPY dist/sidecar-injector /usr/local/bin/sidecar-injector"),
        "{dockerfile}"
    );
    assert!(dockerfile.lines().any(|l| l == "USER 999"), "{dockerfile}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(argocd().join("cmp/generate.sh")).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "generate.sh is executable (COPY keeps the mode)");

    // The example Application names the plugin and points at an app it discovers.
    let app = read_doc(&argocd().join("cmp/application.yaml"));
    assert_eq!(str_at(&app, &["spec", "source", "plugin", "name"]), Some("sidecar-injector"));
    let path = str_at(&app, &["spec", "source", "path"]).unwrap();
    assert!(Path::new(ROOT).join(path).join("sidecar-injector.yaml").is_file(), "{path}");
}

#[test]
fn cmp_sidecar_patch_follows_the_cmp_layout() {
    let patch = read_doc(&argocd().join("cmp/repo-server-patch.yaml"));
    assert_eq!(str_at(&patch, &["kind"]), Some("Deployment"));
    assert_eq!(str_at(&patch, &["metadata", "name"]), Some("argocd-repo-server"));
    let pod = at(&patch, &["spec", "template", "spec"]).unwrap();
    let sidecar = named(seq(pod, &["containers"]), "sidecar-injector-cmp");
    assert_eq!(strings(seq(sidecar, &["command"])), ["/var/run/argocd/argocd-cmp-server"]);
    assert_eq!(scalar_at(sidecar, &["securityContext", "runAsUser"]), Some("999"));
    assert_eq!(scalar_at(sidecar, &["securityContext", "runAsNonRoot"]), Some("true"));
    let mounts = seq(sidecar, &["volumeMounts"]);
    let mount = |path: &str| {
        mounts
            .iter()
            .find(|m| str_at(m, &["mountPath"]) == Some(path))
            .unwrap_or_else(|| panic!("nothing mounted at {path}"))
    };
    // The two volumes the repo-server already has: the cmp-server binary and the plugin sockets.
    assert_eq!(str_at(mount("/var/run/argocd"), &["name"]), Some("var-files"));
    assert_eq!(str_at(mount("/home/argocd/cmp-server/plugins"), &["name"]), Some("plugins"));
    // plugin.yaml from the ConfigMap the Component generates.
    let config = mount("/home/argocd/cmp-server/config/plugin.yaml");
    assert_eq!(str_at(config, &["subPath"]), Some("plugin.yaml"));
    let volumes = seq(pod, &["volumes"]);
    let volume = named(volumes, str_at(config, &["name"]).unwrap());
    assert_eq!(str_at(volume, &["configMap", "name"]), Some("sidecar-injector-cmp"));
    // Its own /tmp, not the repo-server's (Argo CD's advice since 2.4).
    let tmp = named(volumes, str_at(mount("/tmp"), &["name"]).unwrap());
    assert!(at(tmp, &["emptyDir"]).is_some());
    assert_ne!(str_at(mount("/tmp"), &["name"]), Some("tmp"));

    let kustomization = read_doc(&argocd().join("cmp/kustomization.yaml"));
    assert_eq!(str_at(&kustomization, &["kind"]), Some("Component"));
    let generator = named(seq(&kustomization, &["configMapGenerator"]), "sidecar-injector-cmp");
    assert_eq!(strings(seq(generator, &["files"])), ["plugin.yaml"]);
    assert_eq!(scalar_at(generator, &["options", "disableNameSuffixHash"]), Some("true"));
    assert_eq!(str_at(&seq(&kustomization, &["patches"])[0], &["path"]), Some("repo-server-patch.yaml"));
}

// --- the built-in kustomize way ----------------------------------------------------------------------------

const PLUGIN_PATH: &str = "sidecar-injector.dev/v1alpha1/sidecarinjector/SidecarInjector";

/// (init container's shell command, the plugin home the repo-server's kustomize uses)
fn builtin_layout() -> (String, String) {
    let cm = read_doc(&argocd().join("builtin-kustomize/argocd-cm-patch.yaml"));
    assert_eq!(str_at(&cm, &["metadata", "name"]), Some("argocd-cm"));
    let options = str_at(&cm, &["data", "kustomize.buildOptions"]).unwrap();
    assert!(options.split_whitespace().any(|o| o == "--enable-alpha-plugins"), "{options}");

    let patch = read_doc(&argocd().join("builtin-kustomize/repo-server-patch.yaml"));
    assert_eq!(str_at(&patch, &["metadata", "name"]), Some("argocd-repo-server"));
    let pod = at(&patch, &["spec", "template", "spec"]).unwrap();
    let volume = named(seq(pod, &["volumes"]), "kustomize-plugins");
    assert!(at(volume, &["emptyDir"]).is_some());
    let repo_server = named(seq(pod, &["containers"]), "argocd-repo-server");
    let home = str_at(named(seq(repo_server, &["env"]), "KUSTOMIZE_PLUGIN_HOME"), &["value"]).unwrap().to_string();
    let mount = named(seq(repo_server, &["volumeMounts"]), "kustomize-plugins");
    assert_eq!(
        str_at(mount, &["mountPath"]),
        Some(home.as_str()),
        "KUSTOMIZE_PLUGIN_HOME is where the plugins are mounted"
    );
    assert_eq!(scalar_at(mount, &["readOnly"]), Some("true"));

    let init = named(seq(pod, &["initContainers"]), "install-sidecar-injector");
    let init_mount = named(seq(init, &["volumeMounts"]), "kustomize-plugins");
    let init_home = str_at(init_mount, &["mountPath"]).unwrap();
    let command = strings(seq(init, &["command"]));
    assert_eq!(&command[..2], ["sh", "-c"]);
    let script = command[2].to_string();
    assert!(
        script.contains(&format!("{init_home}/{PLUGIN_PATH}")),
        "the init container installs into its mount: {script}"
    );

    // The image it copies from has the binary where the script looks.
    let dockerfile = std::fs::read_to_string(argocd().join("builtin-kustomize/Dockerfile")).unwrap();
    let copy = dockerfile.lines().find(|l| l.starts_with("COPY dist/sidecar-injector ")).expect("COPY of the binary");
    let in_image = copy.rsplit(' ').next().unwrap();
    assert!(script.contains(&format!("cp {in_image} ")), "{script} / {copy}");
    (script.replace(init_home, "$PLUGINS").replace(&format!("cp {in_image} "), "cp \"$BINARY\" "), home)
}

#[test]
fn builtin_kustomize_patches_put_the_plugin_where_kustomize_looks() {
    builtin_layout();
    let app = read_doc(&argocd().join("builtin-kustomize/application.yaml"));
    let path = str_at(&app, &["spec", "source", "path"]).unwrap();
    let kustomization = read_doc(&Path::new(ROOT).join(path).join("kustomization.yaml"));
    assert!(!seq(&kustomization, &["transformers"]).is_empty(), "{path} runs a transformer");
    let kustomization = read_doc(&argocd().join("builtin-kustomize/kustomization.yaml"));
    assert_eq!(str_at(&kustomization, &["kind"]), Some("Component"));
}

/// The init container's command, run with its volume at a local directory, gives a plugin home that kubectl's
/// kustomize uses to build the Application's path exactly as expected.
#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn builtin_kustomize_init_container_installs_a_working_plugin() {
    let (script, _) = builtin_layout();
    let plugins = scratch("builtin-init").join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("PLUGINS", &plugins)
        .env("BINARY", common::native_binary_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}\n{}", text(&out));
    assert!(plugins.join(PLUGIN_PATH).is_file());

    let app = read_doc(&argocd().join("builtin-kustomize/application.yaml"));
    let path = Path::new(ROOT).join(str_at(&app, &["spec", "source", "path"]).unwrap());
    let out = Command::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(&path)
        .env("KUSTOMIZE_PLUGIN_HOME", &plugins)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), std::fs::read_to_string(path.join("expected.yaml")).unwrap());
}

/// `to` as a path relative to `from` (both absolute), by way of the root.
fn relative(from: &Path, to: &Path) -> String {
    let up = from.components().count() - 1;
    format!("{}{}", "../".repeat(up), to.display().to_string().trim_start_matches('/'))
}

/// Both Components applied to a stand-in for Argo CD's install (the argocd-cm ConfigMap and an
/// argocd-repo-server Deployment shaped like upstream's): the patches merge, nothing of the original is lost.
#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn components_apply_to_an_argocd_install() {
    let dir = scratch("components");
    std::fs::write(
        dir.join("install.yaml"),
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
data:
  url: https://argocd.example.com
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      initContainers:
      - name: copyutil
        image: quay.io/argoproj/argocd:v2.13.2
        command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
        volumeMounts:
        - name: var-files
          mountPath: /var/run/argocd
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v2.13.2
        env:
        - name: ARGOCD_RECONCILIATION_TIMEOUT
          value: 180s
        volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: plugins
          mountPath: /home/argocd/cmp-server/plugins
      volumes:
      - name: var-files
        emptyDir: {}
      - name: plugins
        emptyDir: {}
      - name: tmp
        emptyDir: {}
",
    )
    .unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        format!(
            "namespace: argocd\nresources:\n- install.yaml\ncomponents:\n- {}\n- {}\n",
            relative(&dir, &argocd().join("builtin-kustomize")),
            relative(&dir, &argocd().join("cmp"))
        ),
    )
    .unwrap();
    // kustomize takes no absolute path for a component: relative to the scratch directory, through the root.
    let out = Command::new("kubectl").arg("kustomize").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let objects = docs(&out.stdout);

    let cm = find(&objects, "ConfigMap", "argocd-cm");
    assert_eq!(str_at(cm, &["data", "url"]), Some("https://argocd.example.com"));
    assert_eq!(str_at(cm, &["data", "kustomize.buildOptions"]), Some("--enable-alpha-plugins"));
    let plugin_cm = find(&objects, "ConfigMap", "sidecar-injector-cmp");
    assert_eq!(str_at(plugin_cm, &["metadata", "namespace"]), Some("argocd"));
    let plugin_yaml = std::fs::read_to_string(argocd().join("cmp/plugin.yaml")).unwrap();
    assert_eq!(str_at(plugin_cm, &["data", "plugin.yaml"]), Some(plugin_yaml.as_str()));

    let pod = at(find(&objects, "Deployment", "argocd-repo-server"), &["spec", "template", "spec"]).unwrap();
    // (A strategic merge patch puts the entries it adds before the existing ones; the order does not matter here.)
    let mut containers: Vec<&str> = seq(pod, &["containers"]).iter().filter_map(|c| str_at(c, &["name"])).collect();
    containers.sort();
    assert_eq!(containers, ["argocd-repo-server", "sidecar-injector-cmp"]);
    let mut init: Vec<&str> = seq(pod, &["initContainers"]).iter().filter_map(|c| str_at(c, &["name"])).collect();
    init.sort();
    assert_eq!(init, ["copyutil", "install-sidecar-injector"]);
    let repo_server = named(seq(pod, &["containers"]), "argocd-repo-server");
    let mut env: Vec<&str> = seq(repo_server, &["env"]).iter().filter_map(|c| str_at(c, &["name"])).collect();
    env.sort();
    assert_eq!(env, ["ARGOCD_RECONCILIATION_TIMEOUT", "KUSTOMIZE_PLUGIN_HOME"]);
    let mut mounts: Vec<&str> =
        seq(repo_server, &["volumeMounts"]).iter().filter_map(|c| str_at(c, &["name"])).collect();
    mounts.sort();
    assert_eq!(mounts, ["kustomize-plugins", "plugins", "tmp"]);
    let mut volumes: Vec<&str> = seq(pod, &["volumes"]).iter().filter_map(|c| str_at(c, &["name"])).collect();
    volumes.sort();
    assert_eq!(
        volumes,
        ["kustomize-plugins", "plugins", "sidecar-injector-cmp", "sidecar-injector-cmp-tmp", "tmp", "var-files"]
    );
}
