//! Value encodings of RFC 8120 sections 3.2 and 12.1: `VI`, `VS`, `OCTETS`, `integer`,
//! `hex-fixed-number`, `base64-fixed-number` and the token syntax.

use crate::Error;
use base64::Engine as _;

/// The largest nonce number this implementation represents. RFC 8120 section 6: values
/// that overflow a fixed-width representation "MAY" be replaced "with some reasonably-large
/// maximum representative integer" and "MUST NOT" be truncated modulo anything; a decimal
/// `integer` larger than this parses as this value.
pub const MAX_REPRESENTABLE: u64 = u64::MAX;

/// `VI(i)` (RFC 8120 section 12.1): big-endian radix-128, every octet but the last with the
/// high bit set; the first octet is never `0x80`.
pub fn vi(mut i: u64) -> Vec<u8> {
    let mut out = vec![(i & 0x7f) as u8];
    i >>= 7;
    while i > 0 {
        out.push(0x80 | (i & 0x7f) as u8);
        i >>= 7;
    }
    out.reverse();
    out
}

/// `VS(s) = VI(length(s)) | s` (RFC 8120 section 12.1).
pub fn vs(s: &[u8]) -> Vec<u8> {
    let mut out = vi(s.len() as u64);
    out.extend_from_slice(s);
    out
}

/// Parses an `integer` (RFC 8120 section 3.2.3):
///
/// ```text
/// integer = "0" / (%x31-39 *DIGIT)      ; no leading zeros
/// ```
///
/// Values above [`MAX_REPRESENTABLE`] are replaced by it (RFC 8120 section 6), never
/// truncated.
///
/// # Errors
/// [`Error::InvalidInteger`] for an empty string, a non-digit or a leading zero.
pub fn parse_integer(s: &str) -> Result<u64, Error> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return Err(Error::InvalidInteger);
    }
    let mut v: u64 = 0;
    for &d in b {
        v = match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return Ok(MAX_REPRESENTABLE),
        };
    }
    Ok(v)
}

/// Writes a `hex-fixed-number` in lower case (RFC 8120 section 3.2.3: "SHOULD be sent in
/// lower case").
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses a `hex-fixed-number` (RFC 8120 section 3.2.3), either case:
///
/// ```text
/// hex-fixed-number = 1*(2(DIGIT / %x41-46 / %x61-66))
/// ```
///
/// With `expected_len`, the number must have exactly that many octets (its natural length).
///
/// # Errors
/// [`Error::InvalidHex`] for an empty value, an odd number of digits or a non-hex character;
/// [`Error::WrongLength`] for a length other than `expected_len`.
pub fn hex_decode(s: &str, expected_len: Option<usize>) -> Result<Vec<u8>, Error> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return Err(Error::InvalidHex);
    }
    if let Some(n) = expected_len
        && b.len() != 2 * n
    {
        return Err(Error::WrongLength {
            expected: n,
            actual: b.len() / 2,
        });
    }
    fn nibble(c: u8) -> Result<u8, Error> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(Error::InvalidHex),
        }
    }
    b.chunks_exact(2)
        .map(|p| Ok((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

/// Writes a `base64-fixed-number` (RFC 8120 section 3.2.3; RFC 4648 section 4 alphabet,
/// padded, no line breaks).
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Parses a `base64-fixed-number` strictly (RFC 8120 section 3.2.3; RFC 4648 sections 3.1
/// to 3.5):
///
/// ```text
/// base64-fixed-number = 1*( ALPHA / DIGIT / "+" / "/" ) 0*2"="
/// ```
///
/// Rejects characters outside the alphabet (also white space and the URL-safe alphabet),
/// missing or excess padding, and non-zero pad bits. With `expected_len`, the decoded
/// number must have exactly that many octets.
///
/// # Errors
/// [`Error::InvalidBase64`] or [`Error::WrongLength`].
pub fn base64_decode(s: &str, expected_len: Option<usize>) -> Result<Vec<u8>, Error> {
    if s.is_empty() || !s.len().is_multiple_of(4) {
        return Err(Error::InvalidBase64);
    }
    if let Some(n) = expected_len {
        let want = n.div_ceil(3) * 4;
        if s.len() != want {
            return Err(Error::WrongLength {
                expected: n,
                actual: s.len() / 4 * 3,
            });
        }
    }
    // The STANDARD engine requires canonical padding and rejects non-zero trailing bits
    // (`decode_allow_trailing_bits(false)`), which is RFC 4648 section 3.5's canonical form.
    let out = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| Error::InvalidBase64)?;
    if let Some(n) = expected_len
        && out.len() != n
    {
        return Err(Error::WrongLength {
            expected: n,
            actual: out.len(),
        });
    }
    Ok(out)
}

/// True if `s` is an `extensive-token` (RFC 8120 section 3.2.1):
///
/// ```text
/// bare-token           = bare-token-lead-char *bare-token-char
/// bare-token-lead-char = %x30-39 / %x41-5A / %x61-7A
/// bare-token-char      = %x30-39 / %x41-5A / %x61-7A / "-" / "_"
/// extension-token      = "-" bare-token 1*("." bare-token)
/// extensive-token      = bare-token / extension-token
/// ```
pub fn is_extensive_token(s: &str) -> bool {
    fn bare(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[1..]
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    }
    match s.strip_prefix('-') {
        Some(rest) => {
            let mut parts = rest.split('.');
            let first = parts.next().is_some_and(bare);
            let mut n = 0;
            for p in parts {
                if !bare(p) {
                    return false;
                }
                n += 1;
            }
            first && n >= 1
        }
        None => bare(s),
    }
}

/// Reads `VI(n)` from the front of `buf` (the inverse of [`vi`]); `None` if truncated,
/// non-minimal (a leading `0x80`) or above `u64`.
pub(crate) fn read_vi(buf: &mut &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for (i, &b) in buf.iter().enumerate() {
        if i == 0 && b == 0x80 {
            return None;
        }
        v = v.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            *buf = &buf[i + 1..];
            return Some(v);
        }
    }
    None
}

/// Reads `VS(s)` from the front of `buf` (the inverse of [`vs`]).
pub(crate) fn read_vs<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = usize::try_from(read_vi(buf)?).ok()?;
    let (s, rest) = (buf.get(..n)?, buf.get(n..)?);
    *buf = rest;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8120_12_1_vi_vs_examples() {
        assert_eq!(vi(0), b"\x00");
        assert_eq!(vi(100), b"d");
        assert_eq!(vi(10000), b"\xce\x10");
        assert_eq!(vi(1000000), b"\xbd\x84@");
        assert_eq!(vs(b""), b"\x00");
        assert_eq!(vs(b"Tea"), b"\x03Tea");
        assert_eq!(vs("Café".as_bytes()), b"\x05Caf\xc3\xa9");
        let big = vs(&[b'a'; 10000]);
        assert_eq!(big.len(), 10002);
        assert_eq!(&big[..3], b"\xce\x10a");
        assert_eq!(vi(127), [0x7f]);
        assert_eq!(vi(128), [0x81, 0x00]);
        for n in [0u64, 1, 127, 128, 16383, 16384, u64::MAX] {
            let enc = vi(n);
            let mut b = &enc[..];
            assert_eq!(read_vi(&mut b), Some(n));
            assert!(b.is_empty());
        }
        let enc = vs(b"Tea");
        let mut b = &enc[..];
        assert_eq!(read_vs(&mut b), Some(&b"Tea"[..]));
        assert_eq!(read_vi(&mut &[0x80, 0x01][..]), None);
        assert_eq!(read_vs(&mut &[0x05, b'a'][..]), None);
    }

    #[test]
    fn integers_without_leading_zeros_and_saturating() {
        assert_eq!(parse_integer("0"), Ok(0));
        assert_eq!(parse_integer("2147483647"), Ok(2147483647));
        assert_eq!(parse_integer("01"), Err(Error::InvalidInteger));
        assert_eq!(parse_integer(""), Err(Error::InvalidInteger));
        assert_eq!(parse_integer("-1"), Err(Error::InvalidInteger));
        assert_eq!(parse_integer("1 "), Err(Error::InvalidInteger));
        // RFC 8120 section 6: 2^80 is replaced by the maximum, not truncated.
        assert_eq!(
            parse_integer("1208925819614629174706176"),
            Ok(MAX_REPRESENTABLE)
        );
        assert_eq!(parse_integer("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_integer("18446744073709551616"), Ok(MAX_REPRESENTABLE));
    }

    #[test]
    fn hex_fixed_number_strict() {
        assert_eq!(hex_decode("00aB", None), Ok(vec![0, 0xab]));
        assert_eq!(hex_encode(&[0, 0xab]), "00ab");
        assert_eq!(hex_decode("abc", None), Err(Error::InvalidHex));
        assert_eq!(hex_decode("", None), Err(Error::InvalidHex));
        assert_eq!(hex_decode("0g", None), Err(Error::InvalidHex));
        assert_eq!(
            hex_decode("00", Some(2)),
            Err(Error::WrongLength {
                expected: 2,
                actual: 1
            })
        );
    }

    #[test]
    fn base64_fixed_number_strict() {
        assert_eq!(base64_decode("AAE=", Some(2)), Ok(vec![0, 1]));
        // non-canonical pad bits (RFC 4648 section 3.5)
        assert_eq!(base64_decode("AAF=", Some(2)), Err(Error::InvalidBase64));
        // missing / excess padding
        assert_eq!(base64_decode("AAE", None), Err(Error::InvalidBase64));
        assert_eq!(base64_decode("AAE==", None), Err(Error::InvalidBase64));
        assert_eq!(base64_decode("AA==AA==", None), Err(Error::InvalidBase64));
        // characters outside the alphabet
        assert_eq!(base64_decode("AA-_", None), Err(Error::InvalidBase64));
        assert_eq!(base64_decode("AA E", None), Err(Error::InvalidBase64));
        // wrong natural length
        assert!(matches!(
            base64_decode("AAAA", Some(2)),
            Err(Error::WrongLength { .. })
        ));
    }

    #[test]
    fn extensive_tokens() {
        for ok in [
            "1",
            "iso-kam3-dl-2048-sha256",
            "auth_failed",
            "-x.example.com",
            "-a.b.c",
        ] {
            assert!(is_extensive_token(ok), "{ok}");
        }
        for bad in ["", "-x", "_a", "a.b", "-.x", "-a..b", "a b", "\"1\""] {
            assert!(!is_extensive_token(bad), "{bad}");
        }
    }
}
