//! RFC 8187 extended parameter values: percent-decoding and -encoding.
//!
//! ```text
//! ext-value     = charset  "'" [ language ] "'" value-chars
//! value-chars   = *( pct-encoded / attr-char )
//! pct-encoded   = "%" HEXDIG HEXDIG
//! attr-char     = ALPHA / DIGIT
//!               / "!" / "#" / "$" / "&" / "+" / "-" / "."
//!               / "^" / "_" / "`" / "|" / "~"
//! ```

use crate::lex::{self, ATTR};

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `value-chars` into octets. `None` on a bad `pct-encoded` triplet or a byte
/// that is neither `attr-char` nor `%`.
pub(crate) fn pct_decode(raw: &str) -> Option<Vec<u8>> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hi = hex_val(*b.get(i + 1)?)?;
            let lo = hex_val(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else if lex::is(c, ATTR) {
            out.push(c);
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Appends `value` as `value-chars`: `attr-char`s as they are, every other octet of its
/// UTF-8 encoding as `%XX` (upper-case hex, RFC 3986 section 2.1 "SHOULD").
pub(crate) fn pct_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in value.as_bytes() {
        if lex::is(c, ATTR) {
            out.push(char::from(c));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 0xf)]));
        }
    }
}

/// Decodes an RFC 8187 `ext-value` (`UTF-8'lang'value-chars`) on its own, returning the
/// text and the language tag.
///
/// ```
/// let (text, lang) = httpauth_headers::decode_ext_value("UTF-8'en'%C2%A3%20rates")?;
/// assert_eq!((text.as_str(), lang), ("£ rates", "en"));
/// # Ok::<(), httpauth_headers::ParseError>(())
/// ```
///
/// # Errors
/// [`ParseError`](crate::ParseError) for a malformed value, a charset other than
/// `UTF-8`, bad percent-encoding or invalid UTF-8, with the byte offset.
pub fn decode_ext_value(ext_value: &str) -> Result<(String, &str), crate::ParseError> {
    // Parse it as the value of a one-parameter info list so there is one implementation.
    let p = crate::parse::parse_ext_value_alone(ext_value)?;
    Ok((p.value().into_owned(), p.language()))
}

/// Encodes `text` as an RFC 8187 `ext-value` with charset `UTF-8` and no language, the
/// form RFC 8120 section 3.1 and RFC 8053 section 4.1 require.
///
/// ```
/// assert_eq!(httpauth_headers::encode_ext_value("Renée of France"), "UTF-8''Ren%C3%A9e%20of%20France");
/// ```
pub fn encode_ext_value(text: &str) -> String {
    let mut out = String::with_capacity(7 + text.len() * 3);
    out.push_str("UTF-8''");
    pct_encode_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_encode() {
        assert_eq!(
            pct_decode("a%20b%c3%A9").as_deref(),
            Some("a bé".as_bytes())
        );
        assert_eq!(pct_decode("%2"), None);
        assert_eq!(pct_decode("%zz"), None);
        assert_eq!(pct_decode("a b"), None);
        let mut s = String::new();
        pct_encode_into(&mut s, "a b'é%");
        assert_eq!(s, "a%20b%27%C3%A9%25");
    }
}
