//! Distinguished names and attribute values rendered exactly as mod_ssl renders them.
//!
//! - `SSL_*_S_DN` / `_I_DN`: OpenSSL `X509_NAME_print_ex` with `XN_FLAG_RFC2253 &
//!   ~ASN1_STRFLGS_ESC_MSB`: last RDN first, `,` between RDNs and `+` inside one (whose
//!   attributes are also reversed), short attribute names, `\` before `, + " \ < > ;`, before
//!   a leading `#` or space and a trailing space, `\XX` for control bytes, UTF-8 unescaped,
//!   unknown attribute types as dotted OID with `#` and the hex DER of the value.
//! - `_DN_x` components: `ASN1_STRING_print_ex(ESC_CTRL | UTF8_CONVERT)`: the value as UTF-8,
//!   control bytes as `\XX`, and (because some escaping is on) `\` doubled.
//! - The legacy one-line form (`SSLOptions +LegacyDNStringFormat`, FakeBasicAuth):
//!   `X509_NAME_oneline`: `/C=DE/O=.../CN=...` in certificate order, `+` inside a
//!   multi-valued RDN, bytes outside 0x20..0x7e as `\xHH` (uppercase), `\/` and `\+`.

use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::X509Name;

/// OID (dotted) to OpenSSL short name, for the attribute types found in certificates.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.4", "SN"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "street"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.12", "title"),
    ("2.5.4.13", "description"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.41", "name"),
    ("2.5.4.42", "GN"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.45", "x500UniqueIdentifier"),
    ("2.5.4.46", "dnQualifier"),
    ("2.5.4.65", "pseudonym"),
    ("2.5.4.97", "organizationIdentifier"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
    ("1.2.840.113549.1.9.2", "unstructuredName"),
    ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"),
    ("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"),
    ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"),
];

/// The DER contents of a dotted OID (`2.5.4.3` -> `55 04 03`).
fn encode_oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    };
    if let [a, b, rest @ ..] = arcs.as_slice() {
        push(a * 40 + b);
        for &r in rest {
            push(r);
        }
    }
    out
}

/// [`SHORT_NAMES`] keyed by DER contents, built once, so rendering compares bytes.
fn short_names_der() -> &'static [(Vec<u8>, &'static str)] {
    static TABLE: std::sync::OnceLock<Vec<(Vec<u8>, &'static str)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        SHORT_NAMES
            .iter()
            .map(|(o, n)| (encode_oid(o), *n))
            .collect()
    })
}

/// OpenSSL's short name for an attribute type (OID as DER contents), if it has one.
pub(crate) fn short_name(oid_der: &[u8]) -> Option<&'static str> {
    short_names_der()
        .iter()
        .find(|(o, _)| o == oid_der)
        .map(|(_, n)| *n)
}

/// How OpenSSL reads the bytes of a string type (`tag2nbyte` in `a_strex.c`): UTF-8,
/// one byte per character (Latin-1), UCS-2 or UCS-4; `None` for types it dumps.
fn char_width(tag: Tag) -> Option<u8> {
    match tag.0 {
        12 => Some(0),                               // UTF8String
        18 | 19 | 20 | 22 | 23 | 24 | 26 => Some(1), // Numeric, Printable, T61, IA5, times, Visible
        28 => Some(4),                               // UniversalString
        30 => Some(2),                               // BMPString
        _ => None,
    }
}

/// Decodes an attribute value to Unicode scalar values as OpenSSL's `do_buf` would; `None`
/// when OpenSSL would dump it as hex or fail.
fn decode_chars(any: &Any<'_>) -> Option<Vec<u32>> {
    let data = any.data;
    match char_width(any.tag())? {
        0 => Some(
            core::str::from_utf8(data)
                .ok()?
                .chars()
                .map(u32::from)
                .collect(),
        ),
        1 => Some(data.iter().map(|&b| u32::from(b)).collect()),
        2 => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            Some(
                data.chunks(2)
                    .map(|c| u32::from(c[0]) << 8 | u32::from(c[1]))
                    .collect(),
            )
        }
        _ => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            Some(
                data.chunks(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        }
    }
}

fn push_utf8(out: &mut Vec<u8>, c: u32) {
    // OpenSSL's UTF8_putc also encodes surrogates and values up to 0x7FFFFFFF.
    match char::from_u32(c) {
        Some(ch) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        None if c < 0x10000 => {
            out.push(0xE0 | (c >> 12) as u8);
            out.push(0x80 | ((c >> 6) & 0x3F) as u8);
            out.push(0x80 | (c & 0x3F) as u8);
        }
        None => {
            out.push(0xF0 | ((c >> 18) & 0x07) as u8);
            out.push(0x80 | ((c >> 12) & 0x3F) as u8);
            out.push(0x80 | ((c >> 6) & 0x3F) as u8);
            out.push(0x80 | (c & 0x3F) as u8);
        }
    }
}

fn hex_upper(out: &mut Vec<u8>, b: u8) {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    out.push(H[usize::from(b >> 4)]);
    out.push(H[usize::from(b & 15)]);
}

/// The DER encoding of an `ANY` value (tag, length, contents), for `#hex` dumps.
fn der_of(any: &Any<'_>) -> Vec<u8> {
    let data = any.data;
    let mut out = Vec::with_capacity(data.len() + 6);
    let tag = any.tag().0;
    let constructed = any.header.is_constructed();
    let class = any.class() as u8;
    let first = (class << 6) | if constructed { 0x20 } else { 0 };
    if tag < 31 {
        out.push(first | tag as u8);
    } else {
        out.push(first | 0x1f);
        let mut t = Vec::new();
        let mut v = tag;
        t.push((v & 0x7f) as u8);
        v >>= 7;
        while v > 0 {
            t.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        t.reverse();
        out.extend(t);
    }
    let len = data.len();
    if len < 128 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(data);
    out
}

/// A component value as `SSL_CLIENT_S_DN_CN` gives it (`ESC_CTRL | UTF8_CONVERT`).
pub(crate) fn component_value(any: &Any<'_>) -> Vec<u8> {
    // Fast path: text needing no escapes is copied as is.
    let tag = any.tag().0;
    if matches!(tag, 12 | 19 | 22)
        && any
            .data
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f && b != b'\\')
        && if tag == 12 {
            core::str::from_utf8(any.data).is_ok()
        } else {
            any.data.is_ascii()
        }
    {
        return any.data.to_vec();
    }
    let mut out = Vec::with_capacity(any.data.len());
    match decode_chars(any) {
        Some(chars) => {
            for c in chars {
                if c < 0x20 || c == 0x7f {
                    out.push(b'\\');
                    hex_upper(&mut out, c as u8);
                } else if c == u32::from(b'\\') {
                    // "If we do any escaping at all, escape the escape character itself."
                    out.extend_from_slice(b"\\\\");
                } else if c < 0x80 {
                    out.push(c as u8);
                } else {
                    push_utf8(&mut out, c);
                }
            }
        }
        // Unknown string type without DUMP flags: OpenSSL prints the bytes one per character.
        None => {
            for &b in any.data {
                if b < 0x20 || b == 0x7f {
                    out.push(b'\\');
                    hex_upper(&mut out, b);
                } else if b == b'\\' {
                    out.extend_from_slice(b"\\\\");
                } else if b < 0x80 {
                    out.push(b);
                } else {
                    push_utf8(&mut out, u32::from(b));
                }
            }
        }
    }
    out
}

/// One RFC 2253-style value (`ASN1_STRFLGS_RFC2253 & ~ESC_MSB`).
fn rfc2253_value(out: &mut Vec<u8>, any: &Any<'_>, dump: bool) {
    // ASCII text in a one-byte or UTF-8 string type: the bytes are the characters, no
    // decoding buffer needed (the common case, and the one on the hot path).
    if !dump && char_width(any.tag()).is_some_and(|w| w <= 1) && any.data.is_ascii() {
        escape_2253(out, any.data.iter().map(|&b| u32::from(b)), any.data.len());
        return;
    }
    let chars = if dump { None } else { decode_chars(any) };
    let Some(chars) = chars else {
        out.push(b'#');
        for b in der_of(any) {
            hex_upper(out, b);
        }
        return;
    };
    escape_2253(out, chars.iter().copied(), chars.len());
}

/// RFC 2253 escaping of decoded characters (OpenSSL `do_buf` / `do_esc_char`).
fn escape_2253(out: &mut Vec<u8>, chars: impl Iterator<Item = u32>, n: usize) {
    for (i, c) in chars.enumerate() {
        // OpenSSL marks the first character, then the last (the last wins for a single one).
        let last = i + 1 == n;
        let first = i == 0 && !last;
        if c >= 0x80 {
            push_utf8(out, c);
            continue;
        }
        let b = c as u8;
        match b {
            b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' => {
                out.push(b'\\');
                out.push(b);
            }
            b'#' if first => {
                out.push(b'\\');
                out.push(b);
            }
            b' ' if first || last => {
                out.push(b'\\');
                out.push(b);
            }
            0..=0x1f | 0x7f => {
                out.push(b'\\');
                hex_upper(out, b);
            }
            _ => out.push(b),
        }
    }
}

/// `SSL_*_S_DN` in Apache's default format.
pub(crate) fn rfc2253(name: &X509Name<'_>) -> Vec<u8> {
    let mut entries = Vec::new();
    for (set, rdn) in name.iter_rdn().enumerate() {
        for atv in rdn.iter() {
            entries.push((set, atv));
        }
    }
    let mut out = Vec::with_capacity(64);
    let mut prev: Option<usize> = None;
    for (set, atv) in entries.iter().rev() {
        if let Some(p) = prev {
            out.push(if p == *set { b'+' } else { b',' });
        }
        prev = Some(*set);
        let dump = match short_name(atv.attr_type().as_bytes()) {
            Some(sn) => {
                out.extend_from_slice(sn.as_bytes());
                false
            }
            None => {
                out.extend_from_slice(atv.attr_type().to_id_string().as_bytes());
                true
            }
        };
        out.push(b'=');
        rfc2253_value(&mut out, atv.attr_value(), dump);
    }
    out
}

/// `X509_NAME_oneline`: the legacy `/C=DE/O=.../CN=...` form.
pub(crate) fn oneline(name: &X509Name<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for rdn in name.iter_rdn() {
        for (k, atv) in rdn.iter().enumerate() {
            // `+` joins the attributes of a multi-valued RDN (OpenSSL 3).
            out.push(if k > 0 { b'+' } else { b'/' });
            match short_name(atv.attr_type().as_bytes()) {
                Some(sn) => out.extend_from_slice(sn.as_bytes()),
                None => out.extend_from_slice(atv.attr_type().to_id_string().as_bytes()),
            }
            out.push(b'=');
            let any = atv.attr_value();
            let data = any.data;
            // Every byte of the value is printed, except that a GeneralString whose length
            // is a multiple of 4 and whose only non-zero bytes are every fourth one is
            // printed as those bytes; bytes outside 0x20..0x7e become \xHH, and `/` and `+`
            // get a backslash.
            let bytes: Vec<u8> = if any.tag().0 == 27
                && data.len().is_multiple_of(4)
                && data.chunks(4).all(|c| c[..3] == [0, 0, 0])
            {
                data.chunks(4).map(|c| c[3]).collect()
            } else {
                data.to_vec()
            };
            for b in bytes {
                if !(0x20..0x7f).contains(&b) {
                    out.extend_from_slice(b"\\x");
                    hex_upper(&mut out, b);
                } else {
                    if b == b'/' || b == b'+' {
                        out.push(b'\\');
                    }
                    out.push(b);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn oid_encoding() {
        assert_eq!(super::encode_oid("2.5.4.3"), [0x55, 4, 3]);
        assert_eq!(
            super::encode_oid("1.2.840.113549.1.9.1"),
            [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01]
        );
        assert_eq!(super::short_name(&[0x55, 4, 11]), Some("OU"));
    }
}
