//! A scalar's text, kept inline when short.
//!
//! Most keys and values of a manifest are short (`name`, `image`, `containerPort`, `80`, `IfNotPresent`): kept
//! in the node itself, they cost no allocation when read, cloned (every injected pod template is worked on as
//! a copy) or dropped. Longer text goes to the heap, as a `String` would.
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// How many bytes are kept inline: a `Text` is then as large as a `String` (24 bytes on 64-bit targets).
const INLINE: usize = 22;

/// A string that is read as a `&str` (it derefs to one), made from a `&str` or a `String`.
///
/// It has no `Display` of its own, on purpose: `text.to_string()` then goes to `str`'s, a plain copy, rather
/// than through the formatting machinery (which cost 3 M instructions at 1,000 workloads, names and kinds
/// copied into every result); format `text.as_str()`.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Text {
    /// The text `s`.
    pub fn new(s: &str) -> Text {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            Text(Repr::Heap(s.into()))
        }
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: the inline bytes are copied from a `&str` in `new`, whole (`len` bytes from its start), and
            // never changed: they are valid UTF-8.
            Repr::Inline { len, bytes } => unsafe { std::str::from_utf8_unchecked(&bytes[..*len as usize]) },
            Repr::Heap(s) => s,
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::new("")
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        if s.len() <= INLINE {
            Text::new(&s)
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        match t.0 {
            Repr::Heap(s) => s.into_string(),
            Repr::Inline { .. } => t.as_str().to_string(),
        }
    }
}

impl PartialEq for Text {
    /// Inline text is compared whole, a few words, without a call: `new` zeroes the bytes past the text, and
    /// text too long to be inline is always on the heap, so equal texts have equal representations.
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        match (&self.0, &other.0) {
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => a == b && x == y,
            (Repr::Heap(a), Repr::Heap(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_text() {
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<String>());
        for s in
            ["", "a", "containerPort", "é✓ unicode", &"x".repeat(INLINE), &"y".repeat(INLINE + 1), &"z".repeat(5000)]
        {
            let t = Text::new(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(Text::from(s.to_string()), t);
            assert_eq!(String::from(t.clone()), s);
            assert_eq!(format!("{t:?}"), format!("{s:?}"));
            assert!(t == s);
        }
    }

    #[test]
    fn texts_are_equal_when_their_strings_are() {
        let texts = ["", "a", "b", "ab", "a\0", &"x".repeat(INLINE), &"x".repeat(INLINE + 1), &"y".repeat(INLINE + 1)];
        for a in texts {
            for b in texts {
                let (x, y) = (Text::new(a), Text::from(b.to_string()));
                assert_eq!(x == y, a == b, "{a:?} {b:?}");
                assert_eq!(x.clone() == y.clone(), a == b, "{a:?} {b:?}");
            }
        }
    }
}
