//! Character-class predicates from RFC 7230 section 3.2.6 and RFC 7235 section 2.1.
//!
//! These are validity checks used when values are constructed, not a parser; parsing is
//! `httpauth-headers`' job.

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`
pub const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// `token = 1*tchar`
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
pub fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// True when `s` can be the content of a `quoted-string` (RFC 7230 section 3.2.6):
/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`, with `"` and `\` escaped
/// as `quoted-pair`. Control characters other than HTAB (and DEL) cannot be carried.
/// Non-ASCII text is carried as UTF-8 `obs-text`.
pub fn is_quotable(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_token68() {
        assert!(is_token("Digest"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a=b"));
        assert!(is_token68("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert!(!is_token68("=="));
        assert!(!is_token68("a=b"));
        assert!(!is_token68(""));
    }

    #[test]
    fn quotable() {
        assert!(is_quotable("a \"b\" \\ \t ü"));
        assert!(!is_quotable("a\nb"));
        assert!(!is_quotable("\u{7f}"));
    }
}
