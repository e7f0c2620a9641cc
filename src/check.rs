//! Is the resulting pod one the API server accepts. (What will only hurt later is advice, in `advice`.)

use crate::config::FieldError;
use crate::path::FieldPath;
use lossless_yaml::{Mapping, Node};
use std::borrow::Borrow;

/// What the API server (or the kubelet) would reject in a pod template, found in `after` but not in `before`:
/// an injection answers for what it broke, not for what the workload already had wrong. `before` gives the
/// template as it was, asked for only when `after` has a problem: the common case has none, and a template
/// edited in place must be made again to be looked at.
///
/// `claims`: the names of the volume claim templates beside the pod template (a StatefulSet's), volumes the pod
/// gets though its spec does not list them.
pub(crate) fn new_problems<B: Borrow<Mapping>>(
    after: &Mapping,
    spec_field: &FieldPath,
    claims: &[String],
    before: impl FnOnce() -> B,
) -> Vec<FieldError> {
    let found = problems(after, spec_field, claims);
    if found.is_empty() {
        return Vec::new();
    }
    let known: Vec<String> = problems(before().borrow(), spec_field, claims).into_iter().map(|(key, _)| key).collect();
    found.into_iter().filter(|(key, _)| !known.contains(key)).map(|(_, e)| e).collect()
}

/// Each problem with a key that does not depend on list positions (an insertion at the front shifts them).
///
/// Run on every injected pod template, almost always to find nothing: names are borrowed and field paths made
/// only for a problem found.
fn problems(template: &Mapping, base: &FieldPath, claims: &[String]) -> Vec<(String, FieldError)> {
    let mut out = Vec::new();
    let Some(spec) = template.get("spec").and_then(Node::as_mapping) else { return out };
    let list = |key: &str| spec.get(key).and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    fn text(node: Option<&Node>) -> Option<&str> {
        node.and_then(Node::as_scalar).map(|s| s.value.as_str())
    }
    let mut problem = |key: String, path: FieldPath, message: String| out.push((key, FieldError { path, message }));

    // Containers of both lists, with where they are and their names. (The lists below are made once, at
    // their size: this runs on every injected pod.)
    let lists = [("initContainers", list("initContainers")), ("containers", list("containers"))];
    let mut containers: Vec<(&str, usize, &Node, Option<&str>)> =
        Vec::with_capacity(lists[0].1.len() + lists[1].1.len());
    for (l, items) in lists {
        containers.extend(items.iter().enumerate().map(|(i, c)| (l, i, c, text(c.get("name")))));
    }
    let at = |l: &str, i: usize| base.key(l).index(i);
    let mut seen: Vec<(&str, &str, usize)> = Vec::with_capacity(containers.len());
    for &(l, i, _, name) in &containers {
        let Some(name) = name else { continue };
        match seen.iter().find(|(n, _, _)| *n == name) {
            Some(&(_, fl, fi)) => problem(
                format!("container {name}"),
                at(l, i).key("name"),
                format!("container name {name:?} is used twice in the pod (also at {}); names must be unique across containers and initContainers", at(fl, fi)),
            ),
            None => seen.push((name, l, i)),
        }
    }

    let declared = list("volumes");
    let mut volumes: Vec<&str> = Vec::with_capacity(declared.len());
    volumes.extend(declared.iter().filter_map(|v| text(v.get("name"))));
    for (i, name) in volumes.iter().enumerate() {
        if volumes[..i].contains(name) {
            problem(
                format!("volume {name}"),
                base.key("volumes").index(i).key("name"),
                format!("volume name {name:?} is used twice in the pod"),
            );
        }
    }

    let mut paths: Vec<&str> = Vec::with_capacity(8);
    for &(l, i, c, name) in &containers {
        let container = name.unwrap_or_default();
        let mounts = c.get("volumeMounts").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
        paths.clear();
        for (j, m) in mounts.iter().enumerate() {
            let mount = || at(l, i).key("volumeMounts").index(j);
            if let Some(volume) = text(m.get("name")) {
                if !volumes.contains(&volume) && !claims.iter().any(|c| c == volume) {
                    problem(
                        format!("mount {container} {volume}"),
                        mount().key("name"),
                        format!("container {container:?} mounts volume {volume:?}, which the pod does not have"),
                    );
                }
            }
            if let Some(path) = text(m.get("mountPath")) {
                if paths.contains(&path) {
                    problem(
                        format!("path {container} {path}"),
                        mount().key("mountPath"),
                        format!("container {container:?} mounts two volumes at {path:?}"),
                    );
                }
                paths.push(path);
            }
        }
    }

    // Ports: the app containers and native sidecars run at once in one network namespace. Plain init
    // containers run before them, one at a time.
    let mut ports: Vec<(&str, &str, &str)> = Vec::with_capacity(8);
    for &(l, i, c, name) in &containers {
        let native = text(c.get("restartPolicy")) == Some("Always");
        if l == "initContainers" && !native {
            continue;
        }
        let container = name.unwrap_or_default();
        let declared = c.get("ports").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
        for (j, p) in declared.iter().enumerate() {
            let Some(port) = text(p.get("containerPort")) else { continue };
            let protocol = text(p.get("protocol")).unwrap_or("TCP");
            match ports.iter().find(|(po, pr, _)| *po == port && *pr == protocol) {
                Some(&(_, _, owner)) => {
                    let key = format!("{port}/{protocol}");
                    problem(
                        format!("port {key}"),
                        at(l, i).key("ports").index(j).key("containerPort"),
                        format!(
                            "containers {owner:?} and {container:?} both declare port {key}; they share the pod's network"
                        ),
                    )
                }
                None => ports.push((port, protocol, container)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless_yaml::parse_stream;

    fn template(yaml: &str) -> Mapping {
        match parse_stream(yaml.as_bytes()).unwrap().remove(0).root {
            Node::Mapping(m) => m,
            _ => panic!("a mapping"),
        }
    }

    fn problems_in(yaml: &str) -> Vec<String> {
        let empty = template("spec: {}");
        new_problems(&template(yaml), &"spec.template.spec".into(), &[], || &empty)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_valid_pod_has_no_problems() {
        let ok = "spec:
  initContainers: [{name: init, image: i, ports: [{containerPort: 80}]}]
  containers:
  - {name: a, image: a, ports: [{containerPort: 80}, {containerPort: 80, protocol: UDP}], volumeMounts: [{name: v, mountPath: /v}]}
  - {name: b, image: b, volumeMounts: [{name: v, mountPath: /v}]}
  volumes: [{name: v, emptyDir: {}}]";
        assert_eq!(problems_in(ok), Vec::<String>::new());
    }

    #[test]
    fn container_names_are_unique_across_both_lists() {
        let found = problems_in("spec: {initContainers: [{name: x}], containers: [{name: x}]}");
        assert_eq!(found, ["spec.template.spec.containers[0].name: container name \"x\" is used twice in the pod (also at spec.template.spec.initContainers[0]); names must be unique across containers and initContainers"]);
    }

    #[test]
    fn volume_names_are_unique() {
        let found = problems_in("spec: {containers: [{name: a}], volumes: [{name: v}, {name: v}]}");
        assert_eq!(found, ["spec.template.spec.volumes[1].name: volume name \"v\" is used twice in the pod"]);
    }

    #[test]
    fn every_mount_names_a_volume() {
        let found = problems_in("spec: {containers: [{name: a, volumeMounts: [{name: gone, mountPath: /g}]}]}");
        assert_eq!(found, ["spec.template.spec.containers[0].volumeMounts[0].name: container \"a\" mounts volume \"gone\", which the pod does not have"]);
    }

    #[test]
    fn no_two_mounts_at_one_path() {
        let found = problems_in(
            "spec: {containers: [{name: a, volumeMounts: [{name: v, mountPath: /p}, {name: w, mountPath: /p}]}], volumes: [{name: v}, {name: w}]}",
        );
        assert_eq!(found, ["spec.template.spec.containers[0].volumeMounts[1].mountPath: container \"a\" mounts two volumes at \"/p\""]);
    }

    #[test]
    fn ports_clash_between_app_containers_and_native_sidecars_only() {
        let native = problems_in(
            "spec: {initContainers: [{name: proxy, restartPolicy: Always, ports: [{containerPort: 15001}]}], containers: [{name: a, ports: [{containerPort: 15001}]}]}",
        );
        assert_eq!(native, ["spec.template.spec.containers[0].ports[0].containerPort: containers \"proxy\" and \"a\" both declare port 15001/TCP; they share the pod's network"]);
        // A plain init container has finished before the app starts.
        assert!(problems_in("spec: {initContainers: [{name: i, ports: [{containerPort: 80}]}], containers: [{name: a, ports: [{containerPort: 80}]}]}").is_empty());
    }

    #[test]
    fn problems_the_workload_already_had_are_not_new() {
        let broken = "spec: {containers: [{name: a, volumeMounts: [{name: gone, mountPath: /g}]}]}";
        assert!(new_problems(&template(broken), &"spec".into(), &[], || template(broken)).is_empty());
    }
}
