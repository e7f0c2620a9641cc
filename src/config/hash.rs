//! A hash of a node's meaning, for the status record: the config that was applied, and each part it added.
//!
//! It hashes what readers see, not the text: kpt re-serialises the files it writes, and a user may reorder keys
//! or change quoting without changing anything; neither must look like an upgrade or a hand-edit. A scalar
//! counts by its value as both the YAML 1.2 core schema and YAML 1.1 read it, so quoting a `yes` (a bool to
//! Kubernetes) is a change, while quoting `nginx` is not. Mapping keys are taken in sorted order.
//!
//! FNV-1a, 64 bits: the record must be stable across versions and platforms, not secure (nothing is
//! authenticated by it), and the module must stay small.

use lossless_yaml::{resolve_core, resolve_yaml11, Node, Resolved, Scalar};
use std::fmt::Write;

/// 16 hex digits.
pub fn meaning_hash(node: &Node) -> String {
    let mut text = String::new();
    canonical(node, &mut text);
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Writes an unambiguous text for the node's meaning (strings are length-prefixed).
fn canonical(node: &Node, out: &mut String) {
    match node {
        Node::Scalar(s) => scalar(s, out),
        Node::Sequence(seq) => {
            out.push('[');
            for item in &seq.items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Node::Mapping(m) => {
            // The keys' texts one after another in one buffer, sorted as (start, end) ranges into it.
            let mut keys = String::new();
            let mut entries: Vec<(usize, usize, &Node)> = m
                .entries
                .iter()
                .map(|(k, v)| {
                    let start = keys.len();
                    canonical(k, &mut keys);
                    (start, keys.len(), v)
                })
                .collect();
            entries.sort_by(|a, b| keys[a.0..a.1].cmp(&keys[b.0..b.1]));
            out.push('{');
            for (start, end, value) in entries {
                out.push_str(&keys[start..end]);
                out.push(':');
                canonical(value, out);
                out.push(',');
            }
            out.push('}');
        }
        Node::Alias(name) => {
            out.push('*');
            text(name, out);
        }
    }
}

fn scalar(s: &Scalar, out: &mut String) {
    for resolved in [resolve_core(s), resolve_yaml11(s)] {
        match resolved {
            Resolved::Null => out.push('n'),
            Resolved::Bool(b) => out.push_str(if b { "t" } else { "f" }),
            // Written into `out`, not through a `String` of its own: with placeholders every workload's parts
            // are hashed, and the allocations were most of it.
            Resolved::Int(i) => write!(out, "i{i};").expect("a String takes any text"),
            Resolved::Float(f) => write!(out, "d{};", f.to_bits()).expect("a String takes any text"),
            Resolved::Str => out.push('s'),
            Resolved::Timestamp => out.push('T'),
            Resolved::Merge => out.push('<'),
            Resolved::Binary => out.push('b'),
            Resolved::Other(tag) => {
                out.push('o');
                text(&tag, out);
            }
        }
    }
    text(&s.value, out);
}

fn text(s: &str, out: &mut String) {
    // The length's digits: this runs for every scalar of every part.
    lossless_yaml::push_decimal(out, s.len() as u64);
    out.push('"');
    out.push_str(s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use lossless_yaml::parse_stream;

    fn hash(yaml: &str) -> String {
        meaning_hash(&parse_stream(yaml.as_bytes()).unwrap().remove(0).root)
    }

    #[test]
    fn restyling_a_node_keeps_its_hash() {
        assert_eq!(hash("{name: a, image: 'b:1'}"), hash("image: \"b:1\"\nname: a\n"));
        assert_eq!(hash("port: 80"), hash("port: 80\n"));
    }

    #[test]
    fn a_change_of_meaning_changes_the_hash() {
        assert_ne!(hash("v: yes"), hash("v: 'yes'"));
        assert_ne!(hash("v: 0644"), hash("v: '0644'"));
        assert_ne!(hash("v: [a, b]"), hash("v: [b, a]"));
        assert_ne!(hash("{a: bc}"), hash("{ab: c}"));
        assert_eq!(hash("x: 1").len(), 16);
    }
}
