//! A mapping's entries, owned or shared.
//!
//! The function copies the same few mappings into every workload it injects (a sidecar container, a volume).
//! Copied entry by entry, each copy allocated every nested list and mapping, was compared whole with the last
//! copy written (to reuse its text) and freed again: at 1,000 workloads about 18 M instructions and the cache
//! lines of two trees per workload (docs/performance.md). A mapping made shared once ([`Mapping::share`]) is
//! copied by a reference count, and two copies of it are equal at a glance. Changing a copy gives it entries
//! of its own first: copy on write, so a shared mapping reads and changes like any other.
//!
//! [`Mapping::share`]: crate::Mapping::share
use super::Node;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// The entries of a [`Mapping`](crate::Mapping): a `Vec<(Node, Node)>` to read and change (it derefs to one).
#[derive(Clone)]
pub struct Entries(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Vec<(Node, Node)>),
    Shared(Arc<Vec<(Node, Node)>>),
}

impl Entries {
    /// Shares these entries with every copy made of them from now on.
    pub(crate) fn share(&mut self) {
        if let Repr::Owned(entries) = &mut self.0 {
            self.0 = Repr::Shared(Arc::new(std::mem::take(entries)));
        }
    }

    /// Whether these entries are shared with copies ([`Entries::share`]), for tests.
    pub fn is_shared(&self) -> bool {
        matches!(self.0, Repr::Shared(_))
    }
}

impl Default for Entries {
    fn default() -> Entries {
        Entries(Repr::Owned(Vec::new()))
    }
}

impl Deref for Entries {
    type Target = Vec<(Node, Node)>;
    #[inline]
    fn deref(&self) -> &Vec<(Node, Node)> {
        match &self.0 {
            Repr::Owned(entries) => entries,
            Repr::Shared(entries) => entries,
        }
    }
}

impl DerefMut for Entries {
    /// The entries to change: shared ones are copied first, unless no other copy holds them any more.
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<(Node, Node)> {
        match &mut self.0 {
            Repr::Owned(entries) => entries,
            Repr::Shared(entries) => Arc::make_mut(entries),
        }
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Entries) -> bool {
        match (&self.0, &other.0) {
            (Repr::Shared(a), Repr::Shared(b)) if Arc::ptr_eq(a, b) => true,
            _ => **self == **other,
        }
    }
}

impl fmt::Debug for Entries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl From<Vec<(Node, Node)>> for Entries {
    fn from(entries: Vec<(Node, Node)>) -> Entries {
        Entries(Repr::Owned(entries))
    }
}

impl FromIterator<(Node, Node)> for Entries {
    fn from_iter<I: IntoIterator<Item = (Node, Node)>>(iter: I) -> Entries {
        Entries(Repr::Owned(iter.into_iter().collect()))
    }
}

impl IntoIterator for Entries {
    type Item = (Node, Node);
    type IntoIter = std::vec::IntoIter<(Node, Node)>;
    fn into_iter(self) -> Self::IntoIter {
        match self.0 {
            Repr::Owned(entries) => entries.into_iter(),
            Repr::Shared(entries) => Arc::unwrap_or_clone(entries).into_iter(),
        }
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = &'a (Node, Node);
    type IntoIter = std::slice::Iter<'a, (Node, Node)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Entries {
    type Item = &'a mut (Node, Node);
    type IntoIter = std::slice::IterMut<'a, (Node, Node)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mapping, Node};

    fn mapping(pairs: &[(&str, &str)]) -> Mapping {
        let mut m = Mapping::default();
        for (k, v) in pairs {
            m.insert(k, Node::string(*v));
        }
        m
    }

    #[test]
    fn a_shared_mapping_is_copied_by_reference_and_changed_on_its_own() {
        let mut part = mapping(&[("name", "proxy"), ("image", "envoy")]);
        part.share();
        let mut copy = part.clone();
        assert!(copy.entries.is_shared() && copy == part);
        copy.insert("image", Node::string("envoy:2"));
        assert!(!copy.entries.is_shared() || !Arc::ptr_eq(shared(&copy), shared(&part)));
        assert_eq!(part.get("image").and_then(Node::as_str), Some("envoy"), "the original is untouched");
        assert_eq!(copy.get("image").and_then(Node::as_str), Some("envoy:2"));
        assert_ne!(copy, part);
    }

    #[test]
    fn shared_and_owned_entries_compare_by_content() {
        let owned = mapping(&[("a", "1")]);
        let mut shared = owned.clone();
        shared.share();
        assert_eq!(owned, shared);
        assert_eq!(format!("{owned:?}"), format!("{shared:?}"), "Debug shows the entries alike");
        assert_ne!(mapping(&[("a", "2")]), shared);
    }

    fn shared(m: &Mapping) -> &Arc<Vec<(Node, Node)>> {
        match &m.entries.0 {
            Repr::Shared(a) => a,
            Repr::Owned(_) => panic!("not shared"),
        }
    }
}
