//! Basic credentials (RFC 7617).
//!
//! ```text
//! credentials = "Basic" 1*SP token68        ; RFC 7617 section 2, token68 = base64(user-pass)
//! user-pass   = user-id ":" password
//! user-id     = *<TEXT excluding ":">
//! password    = *TEXT
//! ```
//!
//! Text is UTF-8 (the `charset="UTF-8"` of RFC 7617 section 2.1, the only charset it
//! defines). Control characters are refused in both parts ("MUST NOT contain any control
//! characters", RFC 7617 section 2); this crate refuses every Unicode `Cc` character,
//! which the PRECIS profiles of section 2.1 disallow as well. Base64 is RFC 4648 section 4
//! with canonical padding. Intermediate buffers holding the password are zeroized.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use httpauth_core::{Credentials, Password};
use zeroize::Zeroizing;

use crate::{Error, MAX_FIELD_LEN};

/// Longest Basic `token68` encoded or decoded: what fits in a field of
/// [`MAX_FIELD_LEN`] after `"Basic "`.
pub const MAX_TOKEN68_LEN: usize = MAX_FIELD_LEN - "Basic ".len();

fn check_text(s: &str) -> Result<(), Error> {
    if s.chars().any(char::is_control) {
        return Err(Error::ControlCharacter);
    }
    Ok(())
}

/// The base64 `token68` for `user:password`.
///
/// # Errors
/// [`Error::ColonInUserId`], [`Error::ControlCharacter`], or [`Error::TooLong`] if the
/// result would exceed [`MAX_TOKEN68_LEN`].
pub fn encode_token68(user: &str, password: &str) -> Result<String, Error> {
    if user.contains(':') {
        return Err(Error::ColonInUserId);
    }
    check_text(user)?;
    check_text(password)?;
    let len = user.len().saturating_add(password.len()).saturating_add(1);
    // Padded base64 is 4 * ceil(len / 3) bytes (RFC 4648 section 4).
    if len.div_ceil(3).saturating_mul(4) > MAX_TOKEN68_LEN {
        return Err(Error::TooLong);
    }
    let mut user_pass = Zeroizing::new(String::with_capacity(len));
    user_pass.push_str(user);
    user_pass.push(':');
    user_pass.push_str(password);
    Ok(STANDARD.encode(user_pass.as_bytes()))
}

/// The `Authorization` value `Basic <base64(user:password)>`.
///
/// ```
/// // RFC 7617 section 2
/// assert_eq!(
///     httpauth_headers::basic::encode("Aladdin", "open sesame")?,
///     "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
/// );
/// # Ok::<(), httpauth_headers::Error>(())
/// ```
///
/// The result carries the password; treat it as a secret.
///
/// # Errors
/// As [`encode_token68`].
pub fn encode(user: &str, password: &str) -> Result<String, Error> {
    let t = Zeroizing::new(encode_token68(user, password)?);
    let mut out = String::with_capacity(6 + t.len());
    out.push_str("Basic ");
    out.push_str(&t);
    Ok(out)
}

/// The same as [`encode`], as [`Credentials`].
///
/// # Errors
/// As [`encode_token68`].
pub fn credentials(user: &str, password: &str) -> Result<Credentials, Error> {
    let t = encode_token68(user, password)?;
    // A standard-alphabet base64 string of a non-empty input is always a token68.
    Credentials::with_token68("Basic", t).map_err(|_| Error::InvalidBase64)
}

/// Decodes a Basic `token68` into `(user-id, password)`.
///
/// # Errors
/// [`Error::InvalidBase64`], [`Error::InvalidUtf8`], [`Error::MissingColon`],
/// [`Error::ControlCharacter`], [`Error::TooLong`].
pub fn decode_token68(token68: &str) -> Result<(String, Password), Error> {
    if token68.len() > MAX_TOKEN68_LEN {
        return Err(Error::TooLong);
    }
    let bytes = Zeroizing::new(STANDARD.decode(token68).map_err(|_| Error::InvalidBase64)?);
    let text = core::str::from_utf8(&bytes).map_err(|_| Error::InvalidUtf8)?;
    let (user, password) = text.split_once(':').ok_or(Error::MissingColon)?;
    check_text(user)?;
    check_text(password)?;
    Ok((user.to_owned(), Password::from(password)))
}

/// Decodes Basic credentials into `(user-id, password)`.
///
/// ```
/// let c = httpauth_headers::parse_credentials("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")?;
/// let (user, password) = httpauth_headers::basic::decode(&c)?;
/// assert_eq!((user.as_str(), password.expose_secret()), ("Aladdin", "open sesame"));
/// # Ok::<(), httpauth_headers::Error>(())
/// ```
///
/// # Errors
/// [`Error::NotBasic`] if the scheme is not `Basic` (case-insensitive) or there is no
/// `token68`; otherwise as [`decode_token68`].
pub fn decode(c: &Credentials) -> Result<(String, Password), Error> {
    match c.token68() {
        Some(t) if c.is_scheme("Basic") => decode_token68(t),
        _ => Err(Error::NotBasic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7617_2_aladdin() {
        assert_eq!(
            encode("Aladdin", "open sesame").unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        let (u, p) = decode_token68("QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
        assert_eq!(u, "Aladdin");
        assert_eq!(p.expose_secret(), "open sesame");
    }

    #[test]
    fn rfc7617_2_1_utf8_test_euro() {
        // RFC 7617 section 2.1: user "test", password "123£" in UTF-8.
        assert_eq!(
            encode_token68("test", "123\u{a3}").unwrap(),
            "dGVzdDoxMjPCow=="
        );
        let (u, p) = decode_token68("dGVzdDoxMjPCow==").unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("test", "123\u{a3}"));
    }

    #[test]
    fn refusals() {
        assert_eq!(encode("a:b", "c"), Err(Error::ColonInUserId));
        assert_eq!(encode("a\nb", "c"), Err(Error::ControlCharacter));
        assert_eq!(encode("a", "c\u{0}"), Err(Error::ControlCharacter));
        assert_eq!(encode("a", "c\u{85}"), Err(Error::ControlCharacter));
        assert_eq!(
            decode_token68("not base64!").map(|_| ()),
            Err(Error::InvalidBase64)
        );
        let (u, p) = decode_token68("YTpi").unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("a", "b"));
        assert_eq!(decode_token68("YWJj").map(|_| ()), Err(Error::MissingColon));
        // Non-canonical base64: missing padding, non-zero trailing bits.
        assert_eq!(
            decode_token68("YTpiYw").map(|_| ()),
            Err(Error::InvalidBase64)
        );
        assert_eq!(
            decode_token68("YTpiYx==").map(|_| ()),
            Err(Error::InvalidBase64)
        );
        assert_eq!(decode_token68("/w==").map(|_| ()), Err(Error::InvalidUtf8));
        assert_eq!(
            decode_token68("YToKYg==").map(|_| ()),
            Err(Error::ControlCharacter)
        );
        let digest = Credentials::new("Digest").unwrap();
        assert_eq!(decode(&digest).map(|_| ()), Err(Error::NotBasic));
    }

    #[test]
    fn length_limit_is_exact() {
        // 3 * n bytes of user-pass encode to exactly 4 * n bytes.
        let n = MAX_TOKEN68_LEN / 4;
        let fits = "p".repeat(3 * n - 2);
        let t = encode_token68("u", &fits).unwrap();
        assert!(t.len() <= MAX_TOKEN68_LEN);
        assert_eq!(decode_token68(&t).unwrap().1.expose_secret(), fits);
        assert_eq!(
            encode_token68("u", &"p".repeat(3 * n + 1)),
            Err(Error::TooLong)
        );
        assert_eq!(
            decode_token68(&"A".repeat(MAX_TOKEN68_LEN + 4)).map(|_| ()),
            Err(Error::TooLong)
        );
    }

    #[test]
    fn empty_parts_and_colons_in_password() {
        let (u, p) = decode_token68(&encode_token68("", "").unwrap()).unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("", ""));
        let (u, p) = decode_token68(&encode_token68("u", "p:a:ss").unwrap()).unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("u", "p:a:ss"));
    }
}
