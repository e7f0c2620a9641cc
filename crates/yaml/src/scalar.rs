//! How readers resolve scalars, and when a new string may be written plain.
//!
//! Two readers matter. kpt and kustomize (kyaml) read with go-yaml v3, which is close to the YAML 1.2 core schema
//! but still knows timestamps and `0644` octals. Kubernetes reads with go-yaml v2 (YAML 1.1): `on`, `y`, `no` are
//! booleans. [`resolve_yaml11`] is the union of go-yaml v2 and the YAML 1.1 types as PyYAML implements them
//! (sexagesimal `12:30`, `=`), so that "could any 1.1 reader take this for a non-string?" has one answer.
//! Both functions are hand-written matchers (no regex crate: it would double the wasm module).
use super::{Scalar, ScalarStyle};

/// What a scalar means to a reader.
#[derive(Clone, Debug)]
pub enum Resolved {
    /// `~`, `null`, or nothing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float (finite or not).
    Float(f64),
    /// A string.
    Str,
    /// A date or date-time (`2024-01-01`, `2001-12-14t21:59:43.10-05:00`).
    Timestamp,
    /// The merge key `<<`.
    Merge,
    /// `!!binary`.
    Binary,
    /// Any other tag (custom `!foo`, verbatim, `!!set`, the 1.1 `=` value key), or a value its standard tag does
    /// not accept (`!!int abc`). Carries the full tag.
    Other(String),
}

// Floats compare by value, except that NaN equals NaN: ".nan" and ".NaN" mean the same thing.
impl PartialEq for Resolved {
    fn eq(&self, other: &Resolved) -> bool {
        use Resolved::*;
        match (self, other) {
            (Null, Null) | (Str, Str) | (Timestamp, Timestamp) | (Merge, Merge) | (Binary, Binary) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Other(a), Other(b)) => a == b,
            _ => false,
        }
    }
}

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

#[derive(Clone, Copy, PartialEq)]
enum Schema {
    Core,
    Yaml11,
}

/// The meaning under go-yaml v3 (kyaml, kpt, kustomize): the YAML 1.2 core schema plus timestamps and `0644`.
#[inline]
pub fn resolve_core(s: &Scalar) -> Resolved {
    resolve(s, Schema::Core)
}

/// The meaning under YAML 1.1 (go-yaml v2 / sigs.k8s.io/yaml, i.e. Kubernetes; plus PyYAML's 1.1 types).
#[inline]
pub fn resolve_yaml11(s: &Scalar) -> Resolved {
    resolve(s, Schema::Yaml11)
}

/// The glance first, inline: most scalars asked about are plain words without a tag (every key a lookup
/// compares), and the call alone would cost more than the glance.
#[inline]
fn resolve(s: &Scalar, schema: Schema) -> Resolved {
    if s.style == ScalarStyle::Plain && s.props.data.is_none() && plainly_a_word(&s.value) {
        return Resolved::Str;
    }
    resolve_by_rules(s, schema)
}

fn resolve_by_rules(s: &Scalar, schema: Schema) -> Resolved {
    match s.props.tag.as_deref() {
        // Only plain text is resolved; quoted, block and new (`Auto`) scalars are strings.
        None if s.style == ScalarStyle::Plain => resolve_plain(&s.value, schema),
        None | Some("!") => Resolved::Str,
        Some(tag) => resolve_tagged(tag, &s.value, schema),
    }
}

/// An explicit tag decides the type; the text must fit it (go-yaml refuses `!!int abc`).
fn resolve_tagged(tag: &str, value: &str, schema: Schema) -> Resolved {
    let Some(short) = tag.strip_prefix(TAG_PREFIX) else {
        return Resolved::Other(tag.to_string());
    };
    match (short, resolve_plain(value, schema)) {
        ("str", _) => Resolved::Str,
        ("binary", _) => Resolved::Binary,
        ("null", r @ Resolved::Null)
        | ("bool", r @ Resolved::Bool(_))
        | ("int", r @ Resolved::Int(_))
        | ("float", r @ Resolved::Float(_))
        | ("timestamp", r @ Resolved::Timestamp)
        | ("merge", r @ Resolved::Merge) => r,
        ("float", Resolved::Int(i)) => Resolved::Float(i as f64),
        _ => Resolved::Other(tag.to_string()),
    }
}

/// Text that no rule can take for anything but a string: most text is a word, and a word is only ever a null
/// or a boolean (`null`, `True`, `off`, `y`): every other rule starts with a digit, a sign, a dot, `~`, `<<` or
/// `=`. Those words are at most five letters long and start `nu`, `no`, `tr`, `fa`, `ye`, `on` or `of` (in any
/// case), or are `n` or `y`. A key lookup resolves each key it matches, so this is most of a lookup's cost.
#[inline]
fn plainly_a_word(v: &str) -> bool {
    let [first, rest @ ..] = v.as_bytes() else { return false };
    if !first.is_ascii_alphabetic() {
        return false;
    }
    if v.len() > 5 {
        return true;
    }
    let second = rest.first().map(u8::to_ascii_lowercase);
    !matches!(
        (first.to_ascii_lowercase(), second),
        (b'n' | b'y', None)
            | (b'n', Some(b'u' | b'o'))
            | (b't', Some(b'r'))
            | (b'f', Some(b'a'))
            | (b'y', Some(b'e'))
            | (b'o', Some(b'n' | b'f'))
    )
}

/// The rules for plain text (`resolve` has glanced at it first: see [`plainly_a_word`]).
fn resolve_plain(v: &str, schema: Schema) -> Resolved {
    if let Some(r) = resolve_go(v, schema) {
        return r;
    }
    if schema == Schema::Yaml11 {
        if let Some(r) = resolve_pyyaml_extra(v) {
            return r;
        }
    }
    Resolved::Str
}

/// go-yaml's `resolve()` (v2 and v3 share it; they differ in the boolean table).
fn resolve_go(v: &str, schema: Schema) -> Option<Resolved> {
    let exact = match v {
        "" | "~" | "null" | "Null" | "NULL" => Some(Resolved::Null),
        "true" | "True" | "TRUE" => Some(Resolved::Bool(true)),
        "false" | "False" | "FALSE" => Some(Resolved::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => Some(Resolved::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(Resolved::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => Some(Resolved::Float(f64::NEG_INFINITY)),
        // go-yaml treats a plain `<<` as a merge key when it decodes, not in resolve(); same effect.
        "<<" => Some(Resolved::Merge),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }
    if schema == Schema::Yaml11 {
        match v {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Some(Resolved::Bool(true)),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Some(Resolved::Bool(false)),
            _ => {}
        }
    }
    match v.as_bytes().first()? {
        b'.' => go_dot_float(v).map(Resolved::Float),
        b'0'..=b'9' | b'+' | b'-' => {
            if go_timestamp(v) {
                return Some(Resolved::Timestamp);
            }
            let plain = v.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return Some(Resolved::Int(i));
            }
            if yaml_style_float(&plain) {
                if let Some(f) = plain.parse::<f64>().ok().filter(|f| f.is_finite()) {
                    return Some(Resolved::Float(f));
                }
            }
            // go-yaml's own fallbacks parse the digits after the prefix with a sign allowed ("0b-1" is -1).
            let prefixed = |p: &str, radix| {
                let (neg, rest) = match plain.strip_prefix('-') {
                    Some(r) => (true, r),
                    None => (false, plain.as_str()),
                };
                let digits = rest.strip_prefix(p)?;
                let n = go_int_digits(digits, radix)?;
                Some(Resolved::Int(if neg { -n } else { n }))
            };
            let found = prefixed("0b", 2);
            if found.is_some() || schema == Schema::Yaml11 {
                return found;
            }
            prefixed("0o", 8)
        }
        _ => None,
    }
}

/// Go's `strconv.ParseFloat` on text starting with `.` (only `.5`, `.5e3` forms succeed).
fn go_dot_float(v: &str) -> Option<f64> {
    let rest = v.strip_prefix('.')?;
    let mantissa_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if mantissa_len == 0 || !exponent_ok(&rest[mantissa_len..], true) {
        return None;
    }
    v.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `[eE][-+]?[0-9]+` or empty (`sign_optional`), `[eE][-+][0-9]+` otherwise.
fn exponent_ok(s: &str, sign_optional: bool) -> bool {
    let Some(e) = s.strip_prefix(['e', 'E']) else {
        return s.is_empty();
    };
    let digits = match e.strip_prefix(['+', '-']) {
        Some(d) => d,
        None if sign_optional => e,
        None => return false,
    };
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &s[int_len..];
    let rest = match rest.strip_prefix('.') {
        Some(frac) => {
            let frac_len = frac.bytes().take_while(u8::is_ascii_digit).count();
            if int_len == 0 && frac_len == 0 {
                return false;
            }
            &frac[frac_len..]
        }
        None if int_len == 0 => return false,
        None => rest,
    };
    exponent_ok(rest, true)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)` (which takes no sign).
fn go_parse_int(s: &str) -> Option<i128> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (Some(false), &s[1..]),
        b'-' => (Some(true), &s[1..]),
        _ => (None, s),
    };
    let lower = rest.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let n = go_int_digits_unsigned(digits, radix)?;
    match sign {
        Some(true) if n <= 1i128 << 63 => Some(-n),
        Some(false) if n <= i64::MAX as i128 => Some(n),
        None if n <= u64::MAX as i128 => Some(n),
        _ => None,
    }
}

fn go_int_digits_unsigned(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() || digits.len() > 70 {
        return None;
    }
    u128::from_str_radix(digits, radix).ok().and_then(|n| i128::try_from(n).ok())
}

/// `strconv.ParseInt(digits, radix, 64)`: an optional sign, then digits.
fn go_int_digits(digits: &str, radix: u32) -> Option<i128> {
    let (neg, d) = match digits.as_bytes().first()? {
        b'-' => (true, &digits[1..]),
        b'+' => (false, &digits[1..]),
        _ => (false, digits),
    };
    let n = go_int_digits_unsigned(d, radix)?;
    match neg {
        true if n <= 1i128 << 63 => Some(-n),
        false if n <= i64::MAX as i128 => Some(n),
        _ => None,
    }
}

/// A cursor over ASCII text, for the timestamp and sexagesimal matchers.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }
    fn eat_any(&mut self, set: &[u8]) -> bool {
        let hit = self.s.get(self.pos).is_some_and(|c| set.contains(c));
        self.pos += usize::from(hit);
        hit
    }
    /// Between `min` and `max` digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        while self.pos - start < max && self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        if self.pos - start < min {
            return None;
        }
        text.parse().ok()
    }
    fn skip_digits(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }
    fn done(&self) -> bool {
        self.pos == self.s.len()
    }
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// go-yaml's `parseTimestamp`: Go's `time.Parse` with the layouts `2006-1-2T15:4:5.999999999Z07:00` (also with
/// `t`), `2006-1-2 15:4:5.999999999` and `2006-1-2`; Go checks the ranges of every field.
fn go_timestamp(v: &str) -> bool {
    let mut c = Cursor { s: v.as_bytes(), pos: 0 };
    let date = (|| {
        let year = c.digits(4, 4)?;
        c.eat(b'-').then_some(())?;
        let month = c.digits(1, 2)?;
        c.eat(b'-').then_some(())?;
        let day = c.digits(1, 2)?;
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(month, year)).then_some(())
    })();
    if date.is_none() {
        return false;
    }
    if c.done() {
        return true;
    }
    let zoned = c.eat_any(b"Tt");
    if !zoned && !c.eat(b' ') {
        return false;
    }
    let time = (|| {
        let hour = c.digits(1, 2)?;
        c.eat(b':').then_some(())?;
        let minute = c.digits(1, 2)?;
        c.eat(b':').then_some(())?;
        let second = c.digits(1, 2)?;
        if c.s.get(c.pos).is_some_and(|b| *b == b'.' || *b == b',')
            && c.s.get(c.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            c.pos += 1;
            c.skip_digits();
        }
        (hour < 24 && minute < 60 && second < 60).then_some(())
    })();
    if time.is_none() {
        return false;
    }
    if !zoned {
        return c.done();
    }
    if c.eat(b'Z') {
        return c.done();
    }
    c.eat_any(b"+-")
        && c.digits(2, 2).is_some_and(|h| h <= 24)
        && c.eat(b':')
        && c.digits(2, 2).is_some_and(|m| m <= 60)
        && c.done()
}

/// YAML 1.1 types go-yaml v2 does not know but the 1.1 spec (and PyYAML) do: sexagesimal numbers, floats such as
/// `.5_5`, timestamps with spaces before the zone, and the `=` value key.
fn resolve_pyyaml_extra(v: &str) -> Option<Resolved> {
    if v == "=" {
        return Some(Resolved::Other(format!("{TAG_PREFIX}value")));
    }
    if pyyaml_timestamp(v) {
        return Some(Resolved::Timestamp);
    }
    let (neg, body) = match v.as_bytes().first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let sign = if neg { -1.0 } else { 1.0 };
    // Sexagesimal: [1-9][0-9_]*(:[0-5]?[0-9])+ for ints, the same then \.[0-9_]* for floats.
    if body.as_bytes().first().is_some_and(|b| (b'1'..=b'9').contains(b)) && body.contains(':') {
        let (whole, frac) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        let mut parts = whole.split(':');
        let head = parts.next()?;
        if !head.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            return None;
        }
        let mut total: Option<i128> = head.replace('_', "").parse::<i128>().ok();
        for part in parts {
            let ok = matches!(part.as_bytes(), [d] if d.is_ascii_digit())
                || matches!(part.as_bytes(), [a, b] if (b'0'..=b'5').contains(a) && b.is_ascii_digit());
            if !ok {
                return None;
            }
            let n: i128 = part.parse().ok()?;
            total = total.and_then(|t| t.checked_mul(60)).and_then(|t| t.checked_add(n));
        }
        return match frac {
            None => Some(match total {
                Some(t) => Resolved::Int(if neg { -t } else { t }),
                None => Resolved::Other(format!("{TAG_PREFIX}int")),
            }),
            Some(f) if f.bytes().all(|b| b.is_ascii_digit() || b == b'_') => {
                let f = f.replace('_', "");
                let frac_value = format!("0.{f}0").parse::<f64>().unwrap_or(0.0);
                Some(Resolved::Float(sign * (total.unwrap_or(i128::MAX) as f64 + frac_value)))
            }
            Some(_) => None,
        };
    }
    // [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?  and  \.[0-9][0-9_]*([eE][-+][0-9]+)? (no sign)
    let (int_part, rest) = body.split_once('.')?;
    let int_ok = match int_part.as_bytes().first() {
        Some(b) => b.is_ascii_digit() && int_part.bytes().all(|b| b.is_ascii_digit() || b == b'_'),
        None => v.starts_with('.') && rest.as_bytes().first().is_some_and(u8::is_ascii_digit),
    };
    let frac_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'_').count();
    if !int_ok || !exponent_ok(&rest[frac_len..], false) {
        return None;
    }
    let text = format!("{}.{}0{}", int_part.replace('_', ""), &rest[..frac_len].replace('_', ""), &rest[frac_len..]);
    let f = format!("0{text}").parse::<f64>().ok()?;
    Some(Resolved::Float(sign * f))
}

/// PyYAML's timestamp: `YYYY-MM-DD`, or `YYYY-M-D` then `T`/`t`/spaces, `H:MM:SS(.f)?`, then optionally spaces and
/// `Z` or `±H(:MM)?`.
fn pyyaml_timestamp(v: &str) -> bool {
    let mut c = Cursor { s: v.as_bytes(), pos: 0 };
    let date_ok = c.digits(4, 4).is_some() && c.eat(b'-');
    if !date_ok {
        return false;
    }
    let month_start = c.pos;
    let short_ok = c.digits(1, 2).is_some() && c.eat(b'-') && c.digits(1, 2).is_some();
    if !short_ok {
        return false;
    }
    if c.done() {
        // The date-only form needs two-digit month and day.
        return c.pos - month_start == 5;
    }
    if !c.eat_any(b"Tt") {
        let spaces = c.pos;
        while c.eat_any(b" \t") {}
        if c.pos == spaces {
            return false;
        }
    }
    let time_ok =
        c.digits(1, 2).is_some() && c.eat(b':') && c.digits(2, 2).is_some() && c.eat(b':') && c.digits(2, 2).is_some();
    if !time_ok {
        return false;
    }
    if c.eat(b'.') {
        c.skip_digits();
    }
    while c.eat_any(b" \t") {}
    if c.done() {
        return true;
    }
    if c.eat(b'Z') {
        return c.done();
    }
    if !(c.eat_any(b"+-") && c.digits(1, 2).is_some()) {
        return false;
    }
    if c.eat(b':') && c.digits(2, 2).is_none() {
        return false;
    }
    c.done()
}

/// True when `s`, written plain, is read back as exactly the string `s` by YAML 1.1 and 1.2 readers
/// (the rules of the notes, "When a string may be written plain").
pub fn plain_is_safe_string(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) {
        return false;
    }
    // One pass over the text (the status record's JSON is long): every character printable, and no `: ` or
    // ` #` (a key's end or a comment's start, inside a plain scalar).
    let printable = |c: char| {
        matches!(c, ' '..='~' | '\u{A1}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            && c != '\u{FEFF}'
            && c != '\u{2028}'
            && c != '\u{2029}'
    };
    let cut = |prev: u8, b: u8| (prev == b':' && b == b' ') || (prev == b' ' && b == b'#');
    let mut prev = 0u8;
    if s.is_ascii() {
        for &b in s.as_bytes() {
            if !(b' '..=b'~').contains(&b) || cut(prev, b) {
                return false;
            }
            prev = b;
        }
    } else {
        for c in s.chars() {
            let b = if c.is_ascii() { c as u8 } else { 0 };
            if !printable(c) || cut(prev, b) {
                return false;
            }
            prev = b;
        }
    }
    if "?:,[]{}#&*!|>'\"%@`.".contains(first) || s.starts_with("---") {
        return false;
    }
    if first == '-' && s[1..].chars().next().is_none_or(|c| c == ' ') {
        return false;
    }
    if s.ends_with(':') {
        return false;
    }
    const RESERVED: [&str; 10] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"];
    if s.len() <= 5 && (RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) || s == "<<" || s == "=") {
        return false;
    }
    let unsigned = s.trim_start_matches(['+', '-']).trim_start_matches('_');
    !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') || is_quantity_like(s)
}

/// Digits, an optional fraction, then letters only: Kubernetes quantities and durations (`10m`, `32Mi`, `1.5Gi`,
/// `30s`). No reader takes these for a number, a date or a time (a float's exponent needs digits after the `e`;
/// `0x`, `0o` and `0b` need digits after the letter), so they may stay plain as users write them.
fn is_quantity_like(s: &str) -> bool {
    // `0xA`, `0o`, `0b1`: integer prefixes even when only letters follow (hex digits are letters too).
    if let [b'0', prefix, ..] = s.as_bytes() {
        if matches!(prefix.to_ascii_lowercase(), b'x' | b'o' | b'b') {
            return false;
        }
    }
    let digits = s.trim_start_matches(|c: char| c.is_ascii_digit());
    if digits.len() == s.len() {
        return false;
    }
    let rest = match digits.strip_prefix('.') {
        Some(fraction) => {
            let letters = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
            if letters.len() == fraction.len() {
                return false;
            }
            letters
        }
        None => digits,
    };
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_stay_plain_only_where_every_reader_sees_a_string() {
        for q in ["10m", "32Mi", "1.5Gi", "30s", "500m", "1e", "1E", "100Mi"] {
            assert!(plain_is_safe_string(q), "{q} may be plain");
        }
        for q in ["0xA", "0xdead", "0b1", "0o7", "0Xff", "1e3", "1.5e3", "10", "1.5", "1_000m", "12:30", "1d-2", ".5m"]
        {
            assert!(!plain_is_safe_string(q), "{q} must be quoted");
        }
        for q in ["10m", "32Mi", "1.5Gi", "30s", "1e", "2.e", "1E", "0x", "0b", "1x"] {
            let s = plain(q);
            if plain_is_safe_string(q) {
                assert_eq!(resolve_core(&s), Resolved::Str, "{q} under 1.2");
                assert_eq!(resolve_yaml11(&s), Resolved::Str, "{q} under 1.1");
            }
        }
    }

    #[test]
    fn a_word_taken_for_a_string_at_a_glance_is_one_under_every_rule() {
        // Every word of the rules' tables, each with its letters' cases changed one at a time, cut short and
        // made longer: the glance may only say "string" where the rules do.
        let words = [
            "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y", "Y", "yes", "Yes", "YES",
            "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF", "nan", "inf", "e5", "E5", "x1",
        ];
        let mut texts = Vec::new();
        for w in words {
            for i in 0..w.len() {
                let mut flipped: Vec<u8> = w.bytes().collect();
                flipped[i] ^= 0x20;
                texts.push(String::from_utf8(flipped).expect("ASCII"));
                texts.push(w[..i].to_string());
            }
            for tail in ["", "s", "e", ".5", ":30", "_1", " x", "1"] {
                texts.push(format!("{w}{tail}"));
            }
        }
        texts.extend(["name", "image", "ports", "type", "value", "fieldPath", "a", "Z", "abcdef"].map(String::from));
        let mut glanced = 0;
        for t in &texts {
            if plainly_a_word(t) {
                glanced += 1;
                for schema in [Schema::Yaml11, Schema::Core] {
                    assert_eq!(resolve_plain(t, schema), Resolved::Str, "{t:?}");
                }
            }
        }
        assert!(glanced > 0);
        for key in ["name", "type", "image", "ports", "fieldPath", "nx", "tx", "ox"] {
            assert!(plainly_a_word(key), "{key}");
        }
    }
    use crate::{Props, Scalar, ScalarStyle};

    fn plain(v: &str) -> Scalar {
        Scalar { value: v.into(), style: ScalarStyle::Plain, props: Props::default() }
    }
    fn tagged(v: &str, style: ScalarStyle, tag: &str) -> Scalar {
        Scalar { value: v.into(), style, props: Props::new(None, Some(tag.to_string())) }
    }
    use Resolved::*;

    #[test]
    fn core_schema_as_go_yaml_v3() {
        let cases: &[(&str, Resolved)] = &[
            ("", Null),
            ("~", Null),
            ("null", Null),
            ("NULL", Null),
            ("nULL", Str),
            ("true", Bool(true)),
            ("False", Bool(false)),
            ("yes", Str),
            ("on", Str),
            ("y", Str),
            ("0644", Int(420)),
            ("0o17", Int(15)),
            ("0x1F", Int(31)),
            ("0X1f", Int(31)),
            ("0b101", Int(5)),
            ("-0b101", Int(-5)),
            ("1_000", Int(1000)),
            ("+12", Int(12)),
            ("-12", Int(-12)),
            ("08", Float(8.0)),
            ("1e3", Float(1000.0)),
            ("1.5", Float(1.5)),
            (".5", Float(0.5)),
            ("-.5", Float(-0.5)),
            ("1.", Float(1.0)),
            ("1e400", Str),
            (".inf", Float(f64::INFINITY)),
            ("-.Inf", Float(f64::NEG_INFINITY)),
            (".nan", Float(f64::NAN)),
            (".iNf", Str),
            ("18446744073709551615", Int(18446744073709551615)),
            ("18446744073709551616", Float(18446744073709551616.0)),
            ("-9223372036854775808", Int(-9223372036854775808)),
            ("12:30", Str),
            ("2024-01-01", Timestamp),
            ("2024-1-1", Timestamp),
            ("2024-02-30", Str),
            ("2001-12-14t21:59:43.10-05:00", Timestamp),
            ("2001-12-14T21:59:43Z", Timestamp),
            ("2001-12-14 21:59:43.10", Timestamp),
            ("2001-12-14 21:59:43.10 -5", Str),
            ("<<", Merge),
            ("=", Str),
            ("-", Str),
            ("+", Str),
            ("1.2.3", Str),
            ("0x", Str),
            ("abc", Str),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve_core(&plain(text)), want, "core {text:?}");
        }
    }

    #[test]
    fn yaml11_as_kubernetes_reads_it() {
        let cases: &[(&str, Resolved)] = &[
            ("y", Bool(true)),
            ("Y", Bool(true)),
            ("yes", Bool(true)),
            ("YES", Bool(true)),
            ("On", Bool(true)),
            ("n", Bool(false)),
            ("NO", Bool(false)),
            ("off", Bool(false)),
            ("yEs", Str),
            ("0644", Int(420)),
            ("0x1F", Int(31)),
            ("0b101", Int(5)),
            ("1_000", Int(1000)),
            ("12:30", Int(750)),
            ("-1:00:00", Int(-3600)),
            ("190:20:30.15", Float(685230.15)),
            ("12:60", Str),
            (".inf", Float(f64::INFINITY)),
            (".5_5", Float(0.55)),
            ("1.e+3", Float(1000.0)),
            ("~", Null),
            ("null", Null),
            ("2024-01-01", Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Timestamp),
            ("2001-12-14 21:59:43.10 -5", Timestamp),
            ("=", Other("tag:yaml.org,2002:value".into())),
            ("<<", Merge),
            ("1e3", Float(1000.0)),
            ("abc", Str),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve_yaml11(&plain(text)), want, "1.1 {text:?}");
        }
    }

    #[test]
    fn styles_and_tags_decide() {
        let quoted = Scalar { value: "0644".into(), style: ScalarStyle::DoubleQuoted, props: Props::default() };
        assert_eq!(resolve_core(&quoted), Str);
        assert_eq!(resolve_yaml11(&Scalar::string("on")), Str);
        assert_eq!(resolve_yaml11(&tagged("0644", ScalarStyle::Plain, "tag:yaml.org,2002:str")), Str);
        assert_eq!(resolve_core(&tagged("3", ScalarStyle::DoubleQuoted, "tag:yaml.org,2002:int")), Int(3));
        assert_eq!(resolve_core(&tagged("3", ScalarStyle::Plain, "tag:yaml.org,2002:float")), Float(3.0));
        assert_eq!(resolve_yaml11(&tagged("yes", ScalarStyle::Plain, "!")), Str);
        assert_eq!(resolve_core(&tagged("aGk=", ScalarStyle::Plain, "tag:yaml.org,2002:binary")), Binary);
        assert_eq!(resolve_core(&tagged("x", ScalarStyle::Plain, "!local")), Other("!local".into()));
        assert_eq!(
            resolve_core(&tagged("abc", ScalarStyle::Plain, "tag:yaml.org,2002:int")),
            Other("tag:yaml.org,2002:int".into())
        );
        assert_eq!(resolve_yaml11(&tagged("yes", ScalarStyle::Plain, "tag:yaml.org,2002:bool")), Bool(true));
    }

    #[test]
    fn plain_safety_rules() {
        for s in
            ["nginx", "a b", "-a", "a:b", "http://x/y?z#f", "a#b", "it's", "NaN", "Infinity", "é", "<a", "~a", "-Inf"]
        {
            assert!(plain_is_safe_string(s), "{s:?} should be plain");
            assert_eq!(resolve_core(&plain(s)), Str, "{s:?}");
            assert_eq!(resolve_yaml11(&plain(s)), Str, "{s:?}");
        }
        for s in [
            "",
            " a",
            "a ",
            "-",
            "- a",
            "---",
            "---a",
            "1.0",
            ".5",
            "+1",
            "0x1F",
            "null",
            "Null",
            "~",
            "<<",
            "=",
            "y",
            "N",
            "True",
            "off",
            "12:30:00",
            "2024-01-01",
            "a: b",
            "a #b",
            "a:",
            "#a",
            "multi\nline",
            "\u{2028}",
            "\u{FEFF}x",
            "tab\there",
            "'a",
            "@a",
            "`a",
            "%a",
            "!a",
            "&a",
            "*a",
            "|",
            ">",
            "?a",
            ":a",
            ",a",
            "[a",
            "]",
            "{a",
            "}",
            "\"a",
            "_1",
            "+_1",
            "-.inf",
            "a\u{A0}b",
            "a\u{85}b",
            "\u{7F}",
            "\u{1}",
        ] {
            assert!(!plain_is_safe_string(s), "{s:?} must not be plain");
        }
    }

    #[test]
    fn nan_equals_nan() {
        assert_eq!(Float(f64::NAN), Float(f64::NAN));
        assert_ne!(Float(1.0), Int(1));
    }
}
