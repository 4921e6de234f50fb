//! Writing the demo's TOML by hand: a handful of value shapes, each escaped as TOML 1.0
//! requires (section 2, "String"), so the output never depends on a serializer's layout.

use std::fmt::Write as _;

/// A TOML string: a literal string (`'...'`, no escapes) when the value has a `"` or a
/// backslash but no `'` and no control character (SSLRequire expressions read as written),
/// else a basic string with escapes.
pub(crate) fn string(s: &str) -> String {
    let control = s.chars().any(|c| c.is_control());
    if !control && !s.contains('\'') && (s.contains('"') || s.contains('\\')) {
        return format!("'{s}'");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML array of strings on one line.
pub(crate) fn array(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// A bare key when it is one (`A-Za-z0-9_-`), else a quoted key.
pub(crate) fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_owned()
    } else {
        string(k)
    }
}

/// A `#` comment: control characters (a newline would end it) become spaces.
pub(crate) fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_the_toml_parser() {
        for s in [
            "plain",
            "%{SSL_CLIENT_S_DN_O} eq \"Snake Oil, Ltd.\"",
            "it's \"both\"",
            "back\\slash",
            "tab\tnew\nline\u{1}",
            "",
        ] {
            let doc = format!("v = {}\n", string(s));
            let parsed: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(s), "{doc}");
        }
        assert_eq!(string("a\"b"), "'a\"b'");
        assert_eq!(key("X-Remote-User"), "X-Remote-User");
        assert_eq!(key("a b"), "\"a b\"");
        assert_eq!(comment("a\nb"), "a b");
    }
}
