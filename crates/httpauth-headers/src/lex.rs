//! Byte classes of RFC 7230 section 3.2.6, RFC 7235 section 2.1 and RFC 8187 section 3.2.1,
//! as one 256-entry table so the hot loops do one load and one mask per byte.

use httpauth_core::syntax::is_tchar;

/// `tchar` (RFC 7230 section 3.2.6).
pub(crate) const TCHAR: u8 = 1 << 0;
/// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`: the body of a `token68`
/// (RFC 7235 section 2.1).
pub(crate) const T68: u8 = 1 << 1;
/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text` (RFC 7230 section 3.2.6).
pub(crate) const QDTEXT: u8 = 1 << 2;
/// What may follow `\` in a `quoted-pair`: `HTAB / SP / VCHAR / obs-text`.
pub(crate) const QPAIR: u8 = 1 << 3;
/// `attr-char` (RFC 8187 section 3.2.1).
pub(crate) const ATTR: u8 = 1 << 4;
/// `mime-charsetc` (RFC 8187 section 3.2.1).
pub(crate) const MIMECS: u8 = 1 << 5;
/// The characters of a `Language-Tag` (RFC 5646 section 2.1): `ALPHA / DIGIT / "-"`.
pub(crate) const LANG: u8 = 1 << 6;
/// `OWS = *( SP / HTAB )`.
pub(crate) const OWS: u8 = 1 << 7;

const fn class_of(b: u8) -> u8 {
    let mut c = 0;
    if is_tchar(b) {
        c |= TCHAR;
    }
    let alnum = b.is_ascii_alphanumeric();
    if alnum || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/') {
        c |= T68;
    }
    if b == b'\t'
        || b == b' '
        || b == 0x21
        || (b >= 0x23 && b <= 0x5b)
        || (b >= 0x5d && b <= 0x7e)
        || b >= 0x80
    {
        c |= QDTEXT;
    }
    if b == b'\t' || (b >= 0x20 && b != 0x7f) {
        c |= QPAIR;
    }
    if alnum
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
    {
        c |= ATTR;
    }
    if alnum
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'+'
                | b'-'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'}'
                | b'~'
        )
    {
        c |= MIMECS;
    }
    if alnum || b == b'-' {
        c |= LANG;
    }
    if b == b' ' || b == b'\t' {
        c |= OWS;
    }
    c
}

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = build();

/// True if byte `b` is in any of the classes in `mask`.
#[inline(always)]
pub(crate) fn is(b: u8, mask: u8) -> bool {
    CLASS[b as usize] & mask != 0
}

/// True for bytes the grammar never allows outside a quoted string and that deserve a
/// precise "invalid character" error: controls, DEL and non-ASCII.
#[inline]
pub(crate) fn is_invalid_anywhere(b: u8) -> bool {
    !(0x20..0x7f).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_core_predicates() {
        for b in 0..=255u8 {
            assert_eq!(is(b, TCHAR), is_tchar(b), "tchar {b:#x}");
            let s = [b];
            if let Ok(s) = core::str::from_utf8(&s) {
                assert_eq!(
                    is(b, T68),
                    httpauth_core::syntax::is_token68(s) && b != b'=',
                    "t68 {b:#x}"
                );
            }
            if is(b, ATTR) {
                assert!(is(b, TCHAR), "every attr-char is a tchar {b:#x}");
            }
        }
        assert!(!is(b'"', QDTEXT) && !is(b'\\', QDTEXT) && !is(0x7f, QDTEXT));
        assert!(is(0x80, QDTEXT) && is(b'\t', QDTEXT) && !is(b'\n', QPAIR));
        assert!(!is(b'%', ATTR) && is(b'%', MIMECS) && !is(b'\'', MIMECS));
    }
}
