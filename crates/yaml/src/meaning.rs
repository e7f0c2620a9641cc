//! Meaning, compared: what this layer promises, as functions its users (and its tests and fuzz targets) check.
//!
//! Two trees are the same when they have the same shape and properties, every scalar has the same text, tag and
//! anchor and resolves to the same value under YAML 1.1 (Kubernetes' reader) and the YAML 1.2 core schema, and
//! mapping entries come in the same order. Layout and comments are not compared.

use crate::{emit_stream, emit_stream_from, parse_stream, resolve_core, resolve_yaml11, Document, Mapping, Node};

/// Same shape, same properties, and every scalar the same value, tag, anchor and meaning to both readers;
/// mapping entries in the same order.
pub fn same_tree(a: &Node, b: &Node, path: &str) -> Result<(), String> {
    match (a, b) {
        (Node::Scalar(x), Node::Scalar(y)) => {
            let ok = x.value == y.value
                && x.props == y.props
                && resolve_core(x) == resolve_core(y)
                && resolve_yaml11(x) == resolve_yaml11(y);
            ok.then_some(()).ok_or_else(|| {
                format!(
                    "{path}: {:?} {:?} ({:?} / {:?}) became {:?} {:?} ({:?} / {:?})",
                    x.value,
                    x.props,
                    resolve_core(x),
                    resolve_yaml11(x),
                    y.value,
                    y.props,
                    resolve_core(y),
                    resolve_yaml11(y)
                )
            })
        }
        (Node::Sequence(x), Node::Sequence(y)) if x.items.len() == y.items.len() && x.props == y.props => x
            .items
            .iter()
            .zip(&y.items)
            .enumerate()
            .try_for_each(|(i, (p, q))| same_tree(p, q, &format!("{path}[{i}]"))),
        (Node::Mapping(x), Node::Mapping(y)) if x.entries.len() == y.entries.len() && x.props == y.props => {
            x.entries.iter().zip(&y.entries).enumerate().try_for_each(|(i, ((k1, v1), (k2, v2)))| {
                same_tree(k1, k2, &format!("{path}.<key {i}>"))?;
                same_tree(v1, v2, &format!("{path}.{}", key_text(k1)))
            })
        }
        (Node::Alias(x), Node::Alias(y)) if x == y => Ok(()),
        (Node::Mapping(x), Node::Mapping(y)) if x.props == y.props => {
            let keys = |m: &Mapping| m.entries.iter().map(|(k, _)| key_text(k)).collect::<Vec<_>>().join(", ");
            Err(format!("{path}: the keys [{}] became [{}]", keys(x), keys(y)))
        }
        (Node::Sequence(x), Node::Sequence(y)) if x.props == y.props => {
            Err(format!("{path}: {} entries became {}", x.items.len(), y.items.len()))
        }
        _ => Err(format!("{path}: {} became {}", short(a), short(b))),
    }
}

/// Like [`same_tree`] for two streams: `Err` names the first difference.
pub fn same_docs(a: &[Document], b: &[Document]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{} documents became {}", a.len(), b.len()));
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x.version != y.version {
            return Err(format!("document {i}: version {:?} became {:?}", x.version, y.version));
        }
        same_tree(&x.root, &y.root, &format!("doc{i}"))?;
    }
    Ok(())
}

/// A key as a path element in a message: its text (up to 40 characters), `*name` for an alias.
pub fn key_text(k: &Node) -> String {
    match k {
        Node::Scalar(s) => s.value.chars().take(40).collect(),
        Node::Alias(a) => format!("*{a}"),
        _ => "?".into(),
    }
}

/// A node in a message: [`Node::describe`], cut at 80 characters.
pub fn short(n: &Node) -> String {
    let d = n.describe();
    if d.len() > 80 {
        format!("{}…", d.chars().take(80).collect::<String>())
    } else {
        d
    }
}

/// parse → emit → parse: the same documents, and a fixed point. Input that does not parse must give an error
/// with a message (the caller sees a panic as a failure).
pub fn check_round_trip(data: &[u8]) -> Result<(), String> {
    let docs = match parse_stream(data) {
        Ok(docs) => docs,
        Err(e) if e.message.is_empty() => return Err("a parse error without a message".into()),
        Err(_) => return Ok(()),
    };
    let out = emit_stream(&docs);
    let again =
        parse_stream(out.as_bytes()).map_err(|e| format!("the output does not parse: {e}\n--- output\n{out}"))?;
    same_docs(&docs, &again).map_err(|e| format!("meaning changed: {e}\n--- output\n{out}"))?;
    let third = emit_stream(&again);
    if third != out {
        return Err(format!("not a fixed point\n--- first\n{out}\n--- second\n{third}"));
    }
    if !(out.is_empty() || out.ends_with('\n')) {
        return Err(format!("no final newline: {out:?}"));
    }
    check_written_back(data, &docs)
}

/// Written back into its text (`emit_stream_from`): unchanged, the text itself, byte for byte (UTF-8 input; UTF-16
/// is converted by libyaml and written anew); changed at every level (an entry added to each mapping, an item
/// to each list, the first entry of each mapping below the top taken out), text that reads back as the changed
/// tree.
pub fn check_written_back(data: &[u8], docs: &[Document]) -> Result<(), String> {
    let utf16 = data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF");
    let kept = emit_stream_from(docs, data);
    if !utf16 && std::str::from_utf8(data).is_ok() && kept.as_bytes() != data {
        return Err(format!("unchanged, yet not written back byte for byte\n--- output\n{kept}"));
    }
    let mut changed = docs.to_vec();
    for doc in &mut changed {
        change_everywhere(&mut doc.root, 0);
    }
    let out = emit_stream_from(&changed, data);
    let again = parse_stream(out.as_bytes())
        .map_err(|e| format!("the spliced output does not parse: {e}\n--- output\n{out}"))?;
    same_docs(&changed, &again).map_err(|e| format!("splicing changed the meaning: {e}\n--- output\n{out}"))
}

fn change_everywhere(node: &mut Node, depth: usize) {
    if depth > 64 {
        return;
    }
    match node {
        Node::Mapping(m) => {
            // Not an entry an alias elsewhere needs.
            if depth > 0 && m.entries.len() > 1 && !has_anchor(&m.entries[0].0) && !has_anchor(&m.entries[0].1) {
                m.entries.remove(0);
            }
            m.entries.iter_mut().for_each(|(_, v)| change_everywhere(v, depth + 1));
            m.insert("lossless-yaml/added", Node::string(format!("at depth {depth}")));
        }
        Node::Sequence(q) => {
            q.items.iter_mut().for_each(|n| change_everywhere(n, depth + 1));
            q.items.push(Node::string("added: item"));
        }
        Node::Scalar(_) | Node::Alias(_) => {}
    }
}

fn has_anchor(node: &Node) -> bool {
    match node {
        Node::Scalar(s) => s.props.anchor.is_some(),
        Node::Sequence(q) => q.props.anchor.is_some() || q.items.iter().any(has_anchor),
        Node::Mapping(m) => m.props.anchor.is_some() || m.entries.iter().any(|(k, v)| has_anchor(k) || has_anchor(v)),
        Node::Alias(_) => false,
    }
}
