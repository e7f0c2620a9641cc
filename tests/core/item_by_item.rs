//! The item-by-item way of `process` (docs/design.md, "Item by item"): taken where it gives the output the
//! whole tree gives, byte for byte, and not where it could differ. `invariants::check_process` also compares
//! the two on every input the other tests make; these name the shapes of input where the two part ways.
use sidecar_injector::{process, process_item_by_item, process_whole};

fn case(name: &str) -> String {
    let path = format!("{}/testdata/cases/{name}/input.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs both ways; returns whether the item-by-item way was taken. Both must give the same output, and
/// `process` must give it too.
fn both(label: &str, input: &str) -> bool {
    let whole = process_whole(input.as_bytes());
    assert_eq!(process(input.as_bytes()), whole, "{label}: process differs from the whole tree's run");
    match process_item_by_item(input.as_bytes()) {
        Some(out) => {
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&whole.stdout),
                "{label}: stdout differs"
            );
            assert_eq!(out, whole, "{label}");
            true
        }
        None => false,
    }
}

fn split_config(input: &str) -> (&str, &str) {
    let at = input.find("\nfunctionConfig:\n").expect("a functionConfig after the items") + 1;
    input.split_at(at)
}

#[test]
fn every_case_that_succeeds_is_run_item_by_item_and_no_failing_one_is() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/cases");
    let (mut streamed, mut whole) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(dir).expect("testdata/cases") {
        let path = entry.expect("entry").path();
        let Ok(input) = std::fs::read_to_string(path.join("input.yaml")) else { continue };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let exit = process_whole(input.as_bytes()).exit_code;
        let item_by_item = both(&name, &input);
        match (exit, item_by_item) {
            (0, true) => streamed.push(name),
            (0, false) => panic!("{name} succeeds but is not run item by item"),
            (_, true) => panic!("{name} fails but was run item by item (the items must come back as read)"),
            (_, false) => whole.push(name),
        }
    }
    assert!(streamed.len() >= 50 && whole.len() >= 20, "{} item by item, {} whole", streamed.len(), whole.len());
}

#[test]
fn the_function_config_before_the_items() {
    let input = case("deployment-basic");
    let (list, config) = split_config(&input);
    let (head, items) = list.split_at(list.find("items:\n").unwrap());
    assert!(both("config first", &format!("{head}{config}{items}")));
}

#[test]
fn a_function_config_not_found_ahead_is_read_whole() {
    let input = case("deployment-basic");
    let (list, config) = split_config(&input);
    // Quoted, the key is not seen ahead of the items; and a key indented under another is not the list's.
    let quoted = format!("{list}\"functionConfig\":{}", &config["functionConfig:".len()..]);
    assert!(!both("quoted key", &quoted));
    let spoof = input.replace("  spec:\n    replicas: 3", "  spec:\nfunctionConfig: {}\n    replicas: 3");
    assert!(!both("a spoofed key inside an item", &spoof));
    let comment = format!("{list}# functionConfig: nothing\n{config}");
    assert!(both("a comment that names the key", &comment));
}

#[test]
fn no_function_config() {
    let input = case("deployment-basic");
    let (list, _) = split_config(&input);
    assert!(!both("no config: an error", list));
    assert!(!both("null config: an error", &format!("{list}functionConfig: ~\n")));
}

#[test]
fn a_namespace_after_a_workload_that_looked_for_it() {
    let input = case("namespace-selector");
    assert!(both("namespaces first", &input));
    let first = input.find("- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: shop\n").unwrap();
    let second = input.find("- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: internal\n").unwrap();
    let deployments = input.find("- apiVersion: apps/v1").unwrap();
    let (list, config) = split_config(&input);
    let moved = format!("{}{}{}{config}", &list[..first], &list[deployments..], &list[first..deployments]);
    assert!(!both("namespaces last", &moved), "the workloads in shop were chosen without its Namespace");
    // A Namespace no workload before it asked for changes nothing: still item by item.
    let unrelated = format!(
        "{}{}- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: unrelated\n{config}",
        &list[..second],
        &list[second..]
    );
    assert!(both("an unrelated namespace last", &unrelated));
}

#[test]
fn results_already_in_the_list() {
    let input = case("deployment-basic");
    let (list, config) = split_config(&input);
    let results = "results:\n- message: from an earlier function\n  severity: info\n";
    assert!(both("results after the items", &format!("{list}{config}{results}")));
    let (head, items) = list.split_at(list.find("items:\n").unwrap());
    assert!(!both("results before the items", &format!("{head}{results}{items}{config}")));
}

#[test]
fn layouts_found_after_the_first_item() {
    // The first items have no nested mapping or list under a key: the layout for the sidecar comes from later
    // items, so the changed ones wait for it.
    let input = case("deployment-basic");
    let indented = input.replace("\n        - name: nginx", "\n          - name: nginx").replace(
        "\n          image: nginx:1.27\n          ports:\n          - containerPort: 80\n          volumeMounts:\n          - name: logs\n            mountPath: /var/log/nginx",
        "\n            image: nginx:1.27\n            ports:\n            - containerPort: 80\n            volumeMounts:\n            - name: logs\n              mountPath: /var/log/nginx",
    );
    let flat =
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- apiVersion: v1\n  kind: Secret\n  type: Opaque\n";
    for (label, text) in [("kpt's layout", &input), ("lists indented under their key", &indented)] {
        let with_flat = text.replacen("items:\n", &format!("items:\n{flat}"), 1);
        assert!(both(label, &with_flat));
    }
}

#[test]
fn comments_and_blank_lines_between_items() {
    let input = case("deployment-basic");
    let commented = input
        .replace(
            "- apiVersion: v1\n  kind: Service",
            "\n# the service\n    # deeper\n\n- apiVersion: v1\n  kind: Service",
        )
        .replace("items:\n", "items: # the items\n# first\n");
    assert!(both("comments", &commented));
}

#[test]
fn items_that_are_not_a_block_list_are_read_whole() {
    let input = case("deployment-basic");
    let (_, config) = split_config(&input);
    let head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
    assert!(!both(
        "flow list",
        &format!("{head}items: [{{apiVersion: v1, kind: ConfigMap, metadata: {{name: a}}}}]\n{config}")
    ));
    assert!(!both("no items", &format!("{head}{config}")));
    assert!(!both("anchored list", &input.replace("items:\n", "items: &all\n")));
    assert!(both("list indented under its key", &indent_items(&input)));
}

/// The items indented by two more columns under `items:`.
fn indent_items(input: &str) -> String {
    let (list, config) = split_config(input);
    let (head, items) = list.split_at(list.find("items:\n").unwrap() + "items:\n".len());
    let items: String =
        items.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("  {l}\n") }).collect();
    format!("{head}{items}{config}")
}

#[test]
fn nothing_changed() {
    // Already injected: every item is copied as read, the list whole, and results added.
    let input = case("deployment-basic");
    let once = process(input.as_bytes());
    assert_eq!(once.exit_code, 0);
    let twice = String::from_utf8(once.stdout).unwrap();
    assert!(both("a rerun", &twice));
    // Selected nothing: only a warning.
    assert!(both("nothing selected", &input.replace("kind: Deployment", "kind: Deploymentish")));
}

#[test]
fn line_breaks_and_encodings() {
    let input = case("deployment-basic");
    assert!(both("CRLF", &input.replace('\n', "\r\n")));
    assert!(both("byte order mark", &format!("\u{FEFF}{input}")));
    assert!(!both(
        "a lone CR between items",
        &input.replace("- apiVersion: v1\n  kind: Service", "\r- apiVersion: v1\n  kind: Service")
    ));
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(input.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let whole = process_whole(&utf16);
    assert_eq!(process(&utf16), whole);
    // UTF-16 is decoded to UTF-8 first, and that text is read and written: item by item too.
    assert_eq!(process_item_by_item(&utf16).as_ref(), Some(&whole), "UTF-16");
}

#[test]
fn lists_and_documents() {
    let input = case("list-items-are-injected");
    assert!(both("kind: List items", &input));
    let doc = case("deployment-basic");
    assert!(both("a document start", &format!("---\n{doc}")));
    assert!(!both("two documents", &format!("{doc}---\n{doc}")));
    assert!(both("a comment after the list", &format!("{doc}# the end\n")));
    // Either way is right for a directive; the two must agree.
    both("a version directive", &format!("%YAML 1.1\n---\n{doc}"));
}
