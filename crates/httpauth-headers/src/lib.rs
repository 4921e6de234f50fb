#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub mod basic;
mod error;
mod ext;
mod field;
mod format;
#[cfg(feature = "http")]
pub mod http_types;
mod lex;
mod parse;

pub use error::{Error, ParseError, ParseErrorKind};
pub use ext::{decode_ext_value, encode_ext_value};
pub use field::{FieldKind, FieldName, ParsedField, parse_field};
pub use format::{
    format_authentication_control, format_authentication_info, format_challenge, format_challenges,
    format_credentials, format_param, write_challenge, write_param, write_params,
};
pub use parse::{
    AuthInfoRef, ChallengeRef, CredentialsRef, DataRef, ParamRef, ValueRef,
    parse_authentication_control_ref, parse_authentication_info_ref, parse_challenges_ref,
    parse_credentials_ref,
};

use httpauth_core::{AuthParams, Challenge, Credentials};

/// Longest field value accepted, in bytes (for the `*_lines` functions: all lines
/// together, plus two bytes per line break). Apache httpd's default `LimitRequestFieldSize`
/// is 8190; a Mutual 4096-bit `kc1` is about 700 bytes.
pub const MAX_FIELD_LEN: usize = 16 * 1024;
/// Most parameters in one challenge, credentials, RFC 8053 entry or info list. RFC 7616
/// Digest uses at most 13, RFC 8120 Mutual at most 12.
pub const MAX_PARAMS: usize = 64;
/// Most challenges (or RFC 8053 entries) in one field value or set of field lines.
pub const MAX_CHALLENGES: usize = 32;
/// Most field lines the `*_lines` functions combine.
pub const MAX_LINES: usize = 64;

/// Parses a `WWW-Authenticate`, `Proxy-Authenticate` or RFC 8053
/// `Optional-WWW-Authenticate` value: `1#challenge` (RFC 7235 section 4.1).
///
/// ```
/// let cs = httpauth_headers::parse_challenges(
///     r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
/// )?;
/// assert_eq!(cs.len(), 2);
/// assert_eq!(cs[0].value("title"), Some(r#"Login to "apps""#));
/// assert!(cs[1].is_scheme("basic"));
/// # Ok::<(), httpauth_headers::ParseError>(())
/// ```
///
/// # Errors
/// A [`ParseError`] carrying the byte offset; see [`parse_challenges_ref`].
pub fn parse_challenges(field_value: &str) -> Result<Vec<Challenge>, ParseError> {
    parse_challenges_ref(field_value)?
        .iter()
        .map(ChallengeRef::to_owned_item)
        .collect()
}

/// Parses an `Authorization` or `Proxy-Authorization` value: `credentials`
/// (RFC 7235 section 4.2).
///
/// # Errors
/// A [`ParseError`] carrying the byte offset; see [`parse_credentials_ref`].
pub fn parse_credentials(field_value: &str) -> Result<Credentials, ParseError> {
    parse_credentials_ref(field_value)?.to_owned_item()
}

/// Parses an `Authentication-Info` or `Proxy-Authentication-Info` value: `#auth-param`
/// (RFC 7615 section 3), also accepting the legacy `Mutual k=v, ...` form drawn in
/// RFC 8120 section 2.2.
///
/// ```
/// let a = httpauth_headers::parse_authentication_info(r#"Mutual vks="xyz", sid=0123"#)?;
/// let b = httpauth_headers::parse_authentication_info(r#"vks="xyz", sid=0123"#)?;
/// assert_eq!(a, b);
/// assert_eq!(httpauth_headers::format_authentication_info(&a), r#"vks="xyz", sid=0123"#);
/// # Ok::<(), httpauth_headers::ParseError>(())
/// ```
///
/// # Errors
/// A [`ParseError`] carrying the byte offset; see [`parse_authentication_info_ref`].
pub fn parse_authentication_info(field_value: &str) -> Result<AuthParams, ParseError> {
    parse_authentication_info_ref(field_value)?.to_auth_params()
}

/// Parses an RFC 8053 `Authentication-Control` value into one entry (scheme and
/// parameters) per scheme and realm.
///
/// # Errors
/// A [`ParseError`] carrying the byte offset; see [`parse_authentication_control_ref`].
pub fn parse_authentication_control(field_value: &str) -> Result<Vec<Challenge>, ParseError> {
    parse_authentication_control_ref(field_value)?
        .iter()
        .map(ChallengeRef::to_owned_item)
        .collect()
}

/// Joins field lines as RFC 7230 section 3.2.2 combines them (`", "`), keeping where each
/// line starts so errors can be reported per line.
fn join_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<(String, Vec<usize>), ParseError> {
    let mut joined = String::new();
    let mut starts = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i >= MAX_LINES {
            return Err(ParseError::new(ParseErrorKind::TooManyLines, 0).at_line(i, 0));
        }
        let sep = if i > 0 { 2 } else { 0 };
        if joined.len() + sep + line.len() > MAX_FIELD_LEN {
            let off = MAX_FIELD_LEN.saturating_sub(joined.len() + sep);
            return Err(ParseError::new(ParseErrorKind::FieldTooLong, off).at_line(i, off));
        }
        if i > 0 {
            joined.push_str(", ");
        }
        starts.push(joined.len());
        joined.push_str(line);
    }
    Ok((joined, starts))
}

/// Maps an error in the joined value back to its line.
fn locate(e: ParseError, starts: &[usize], lines_len: impl Fn(usize) -> usize) -> ParseError {
    let off = e.offset();
    let line = starts.iter().rposition(|&s| s <= off).unwrap_or(0);
    let start = starts.get(line).copied().unwrap_or(0);
    let in_line = (off - start.min(off)).min(lines_len(line));
    e.at_line(line, in_line)
}

fn with_lines<'a, T>(
    lines: impl IntoIterator<Item = &'a str>,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<T, ParseError> {
    let (joined, starts) = join_lines(lines)?;
    parse(&joined).map_err(|e| {
        let ends: Vec<usize> = starts
            .iter()
            .enumerate()
            .map(|(i, &s)| starts.get(i + 1).map_or(joined.len(), |&n| n - 2) - s)
            .collect();
        locate(e, &starts, |l| ends.get(l).copied().unwrap_or(0))
    })
}

/// Parses several `WWW-Authenticate` (or `Proxy-Authenticate`, `Optional-WWW-Authenticate`)
/// field lines of one message as the single combined value RFC 7230 section 3.2.2 defines:
/// the lines joined with `", "`. (So a line may even continue the previous line's last
/// challenge with more parameters.)
///
/// ```
/// let cs = httpauth_headers::parse_challenges_lines([r#"Basic realm="a""#, "Digest realm=b, nonce=c"])?;
/// assert_eq!(cs.len(), 2);
/// let e = httpauth_headers::parse_challenges_lines(["Basic", r#"Digest realm="b"#]).unwrap_err();
/// assert_eq!((e.line(), e.offset()), (1, 13));
/// # Ok::<(), httpauth_headers::ParseError>(())
/// ```
///
/// # Errors
/// As [`parse_challenges`], with [`ParseError::line`] and [`ParseError::offset`] pointing
/// into the offending line; [`ParseErrorKind::TooManyLines`] past [`MAX_LINES`].
pub fn parse_challenges_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Challenge>, ParseError> {
    with_lines(lines, parse_challenges)
}

/// Parses several `Authentication-Info` (or `Proxy-Authentication-Info`) field lines as
/// their combined value (RFC 7230 section 3.2.2).
///
/// # Errors
/// As [`parse_authentication_info`] and [`parse_challenges_lines`].
pub fn parse_authentication_info_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<AuthParams, ParseError> {
    with_lines(lines, parse_authentication_info)
}

/// Parses several RFC 8053 `Authentication-Control` field lines as their combined value
/// (RFC 8053 section 4 note, RFC 7230 section 3.2.2).
///
/// # Errors
/// As [`parse_authentication_control`] and [`parse_challenges_lines`].
pub fn parse_authentication_control_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Challenge>, ParseError> {
    with_lines(lines, parse_authentication_control)
}
