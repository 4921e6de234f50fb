//! The `http` crate's types (feature `http`): parse from a [`HeaderMap`] or the lines of
//! one field ([`GetAll<HeaderValue>`]), format to [`HeaderValue`].
//!
//! Several lines of a list field are one value (RFC 9110 section 5.3); credentials are not
//! a list (RFC 7235 section 4.2), so more than one `Authorization` line is an error.
//! Values that are not UTF-8 are refused; `obs-text` in quoted strings is accepted as UTF-8
//! (RFC 8187 predecessors).

use crate::{Error, ParseError, ParseErrorKind};
use http::header::{GetAll, HeaderMap, HeaderName, HeaderValue};
use httpauth_core::{AuthParams, Challenge, Credentials};

/// `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization`, ... as [`HeaderName`]s, for
/// an origin server or a proxy (RFC 7235 sections 4.1 to 4.4, RFC 7615).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// 401, `WWW-Authenticate`, `Authorization`, `Authentication-Info`.
    Origin,
    /// 407, `Proxy-Authenticate`, `Proxy-Authorization`, `Proxy-Authentication-Info`.
    Proxy,
}

impl Side {
    /// The challenge field.
    pub fn challenge(self) -> HeaderName {
        match self {
            Side::Origin => http::header::WWW_AUTHENTICATE,
            Side::Proxy => http::header::PROXY_AUTHENTICATE,
        }
    }
    /// The credentials field.
    pub fn credentials(self) -> HeaderName {
        match self {
            Side::Origin => http::header::AUTHORIZATION,
            Side::Proxy => http::header::PROXY_AUTHORIZATION,
        }
    }
    /// The info field.
    pub fn info(self) -> HeaderName {
        match self {
            Side::Origin => HeaderName::from_static("authentication-info"),
            Side::Proxy => HeaderName::from_static("proxy-authentication-info"),
        }
    }
}

fn text(v: &HeaderValue, line: usize) -> Result<&str, ParseError> {
    std::str::from_utf8(v.as_bytes()).map_err(|e| {
        ParseError::new(ParseErrorKind::InvalidCharacter, e.valid_up_to())
            .at_line(line, e.valid_up_to())
    })
}

fn lines<'a>(
    values: impl IntoIterator<Item = &'a HeaderValue>,
) -> Result<Vec<&'a str>, ParseError> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| text(v, i))
        .collect()
}

/// Parses every line of a challenge field (`headers.get_all(WWW_AUTHENTICATE)`).
///
/// # Errors
/// As [`parse_challenges_lines`](crate::parse_challenges_lines); a line that is not UTF-8
/// is [`ParseErrorKind::InvalidCharacter`].
pub fn challenges_from(values: GetAll<'_, HeaderValue>) -> Result<Vec<Challenge>, ParseError> {
    crate::parse_challenges_lines(lines(values.iter())?)
}

/// Parses every line of an `Authentication-Info` field.
///
/// # Errors
/// As [`challenges_from`].
pub fn authentication_info_from(values: GetAll<'_, HeaderValue>) -> Result<AuthParams, ParseError> {
    crate::parse_authentication_info_lines(lines(values.iter())?)
}

/// The credentials of `side` in `headers`: `None` without the field, an error with more
/// than one line (RFC 7235 section 4.2: `credentials` is not a list) or a bad value.
///
/// # Errors
/// [`ParseErrorKind::ExpectedEnd`] at line 1 for a second field line; as
/// [`parse_credentials`](crate::parse_credentials) otherwise.
pub fn credentials_from(
    headers: &HeaderMap,
    side: Side,
) -> Result<Option<Credentials>, ParseError> {
    let mut all = headers.get_all(side.credentials()).iter();
    let Some(first) = all.next() else {
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(ParseError::new(ParseErrorKind::ExpectedEnd, 0).at_line(1, 0));
    }
    crate::parse_credentials(text(first, 0)?).map(Some)
}

fn value(s: String) -> Result<HeaderValue, Error> {
    // Formatting produces visible ASCII, SP, HTAB and UTF-8 only (never CR, LF or NUL), so
    // this fails only for a value the core types already refused.
    HeaderValue::from_str(&s)
        .or_else(|_| HeaderValue::from_bytes(s.as_bytes()))
        .map_err(|_| Error::ControlCharacter)
}

/// One challenge as a field value.
///
/// # Errors
/// [`Error::ControlCharacter`] if the value cannot be a field value.
pub fn challenge_value(c: &Challenge) -> Result<HeaderValue, Error> {
    value(crate::format_challenge(c))
}

/// `Authentication-Info` parameters as a field value.
///
/// # Errors
/// As [`challenge_value`].
pub fn authentication_info_value(p: &AuthParams) -> Result<HeaderValue, Error> {
    value(crate::format_authentication_info(p))
}

/// Credentials as a field value, marked sensitive (HTTP/2 and HTTP/3 then keep it out of
/// header compression tables, RFC 7541 section 7.1.3).
///
/// # Errors
/// As [`challenge_value`].
pub fn credentials_value(c: &Credentials) -> Result<HeaderValue, Error> {
    let mut v = value(crate::format_credentials(c))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_lines_and_refuse_two_credentials() {
        let mut h = HeaderMap::new();
        h.append(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="a""#),
        );
        h.append(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Digest realm="b", nonce="n", qop="auth""#),
        );
        let cs = challenges_from(h.get_all(Side::Origin.challenge())).unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[1].value("realm"), Some("b"));
        assert!(credentials_from(&h, Side::Origin).unwrap().is_none());
        h.append(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Basic YTpi"),
        );
        let c = credentials_from(&h, Side::Origin).unwrap().unwrap();
        assert_eq!(c.token68(), Some("YTpi"));
        h.append(
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Basic YTpi"),
        );
        let e = credentials_from(&h, Side::Origin).unwrap_err();
        assert_eq!((e.kind(), e.line()), (&ParseErrorKind::ExpectedEnd, 1));
        let bad = HeaderValue::from_bytes(b"Basic realm=\"\xff\"").unwrap();
        let mut h = HeaderMap::new();
        h.append(http::header::PROXY_AUTHENTICATE, bad);
        assert!(challenges_from(h.get_all(Side::Proxy.challenge())).is_err());
    }

    #[test]
    fn format_round_trips_and_marks_credentials_sensitive() {
        let c = crate::parse_challenges(r#"Digest realm="Jürgen's", nonce="n""#).unwrap();
        let v = challenge_value(&c[0]).unwrap();
        let mut h = HeaderMap::new();
        h.append(Side::Origin.challenge(), v);
        assert_eq!(
            challenges_from(h.get_all(Side::Origin.challenge())).unwrap(),
            c
        );
        let cred = crate::basic::credentials("alice", "wonderland").unwrap();
        let v = credentials_value(&cred).unwrap();
        assert!(v.is_sensitive());
        let mut info = AuthParams::new();
        info.push(httpauth_core::AuthParam::quoted("rspauth", "abc").unwrap())
            .unwrap();
        let v = authentication_info_value(&info).unwrap();
        let mut h = HeaderMap::new();
        h.append(Side::Origin.info(), v);
        assert_eq!(
            authentication_info_from(h.get_all(Side::Origin.info())).unwrap(),
            info
        );
    }
}
