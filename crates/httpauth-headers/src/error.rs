//! Errors: [`ParseError`] (what went wrong in a field value, and where) and the crate's one
//! [`Error`].

use core::fmt;

/// What went wrong while parsing a field value. Carried by [`ParseError`] together with the
/// byte offset at which it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The field value holds no element where the grammar requires at least one
    /// (`1#challenge`, `credentials`, `1#auth-control-entry`).
    Empty,
    /// An `auth-scheme` or parameter name (a `token`) was expected.
    ExpectedToken,
    /// The `auth-scheme` must be separated from its data by `1*SP` (RFC 7235 section 2.1).
    /// Also reported, at the end of the scheme, for `Basic, realm=x`: without the space
    /// the scheme has no parameters, and `realm=x` cannot be a challenge of its own.
    ExpectedSpace,
    /// A `=` was expected after a parameter name.
    ExpectedEquals,
    /// A `token` or `quoted-string` was expected after `=`.
    ExpectedValue,
    /// A `,` or the end of the field was expected.
    ExpectedComma,
    /// The end of the field was expected (after a `token68` in credentials, or at a
    /// second `auth-scheme` in credentials, which are not a list).
    ExpectedEnd,
    /// A `quoted-string` has no closing `"`.
    UnterminatedQuotedString,
    /// A `quoted-pair` (`\` followed by a character) escapes a control character or ends
    /// the field.
    InvalidQuotedPair,
    /// A control character (other than HTAB inside a quoted string) or another byte the
    /// grammar does not allow here.
    InvalidCharacter,
    /// An `auth-param` appears before any `auth-scheme` in a challenge or credentials list.
    ParamWithoutScheme,
    /// An `auth-param` follows a `token68` in the same challenge; the grammar allows one
    /// or the other.
    ParamAfterToken68,
    /// A parameter name occurs twice in one challenge, credentials or info list, counting
    /// `name` and `name*` as the same name (RFC 7235 section 2.1).
    DuplicateParameter(String),
    /// An RFC 8187 `name*` parameter whose value is not an `ext-value`
    /// (`charset "'" [ language ] "'" value-chars`); quoted `ext-value`s are refused too.
    InvalidExtValue,
    /// An RFC 8187 `ext-value` names a charset other than `UTF-8`.
    UnsupportedCharset(String),
    /// Bad `pct-encoded` triplet in an RFC 8187 `ext-value`.
    InvalidPercentEncoding,
    /// An RFC 8187 `ext-value` does not decode to valid UTF-8.
    InvalidUtf8,
    /// An RFC 8187 extended parameter whose name is not a token followed by one `*`
    /// (`*=...`, `a**=...`): the name without its `*` must be a valid parameter name.
    InvalidExtName,
    /// `Authentication-Info` starts with an `auth-scheme` other than the legacy
    /// `Mutual` form that RFC 8120 section 2.2 draws.
    UnexpectedScheme,
    /// An RFC 8053 `auth-control-entry` without parameters, or with a `token68`.
    InvalidControlEntry,
    /// The field value (or all its lines together) exceeds [`MAX_FIELD_LEN`](crate::MAX_FIELD_LEN) bytes.
    FieldTooLong,
    /// More than [`MAX_PARAMS`](crate::MAX_PARAMS) parameters in one challenge,
    /// credentials, entry or info list.
    TooManyParams,
    /// More than [`MAX_CHALLENGES`](crate::MAX_CHALLENGES) challenges (or RFC 8053 entries)
    /// in one field.
    TooManyChallenges,
    /// More than [`MAX_LINES`](crate::MAX_LINES) field lines.
    TooManyLines,
    /// Input that cannot be represented by the `httpauth-core` types (should not happen;
    /// the parser checks everything the constructors check).
    Invalid(httpauth_core::Error),
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty field value"),
            Self::ExpectedToken => f.write_str("expected a token"),
            Self::ExpectedSpace => f.write_str("expected a space after the auth-scheme"),
            Self::ExpectedEquals => f.write_str("expected '=' after the parameter name"),
            Self::ExpectedValue => f.write_str("expected a token or quoted-string after '='"),
            Self::ExpectedComma => f.write_str("expected ',' or end of field"),
            Self::ExpectedEnd => f.write_str("expected end of field"),
            Self::UnterminatedQuotedString => f.write_str("unterminated quoted-string"),
            Self::InvalidQuotedPair => f.write_str("invalid quoted-pair"),
            Self::InvalidCharacter => f.write_str("invalid character"),
            Self::ParamWithoutScheme => f.write_str("auth-param without an auth-scheme"),
            Self::ParamAfterToken68 => f.write_str("auth-param after a token68"),
            Self::DuplicateParameter(n) => write!(f, "duplicate parameter {n:?}"),
            Self::InvalidExtValue => f.write_str("invalid rfc 8187 ext-value"),
            Self::UnsupportedCharset(c) => write!(f, "unsupported charset {c:?}"),
            Self::InvalidPercentEncoding => f.write_str("invalid percent-encoding"),
            Self::InvalidUtf8 => f.write_str("ext-value is not valid utf-8"),
            Self::InvalidExtName => f.write_str("invalid extended parameter name"),
            Self::UnexpectedScheme => f.write_str("unexpected auth-scheme in authentication-info"),
            Self::InvalidControlEntry => {
                f.write_str("auth-control-entry needs parameters and no token68")
            }
            Self::FieldTooLong => {
                write!(f, "field value longer than {} bytes", crate::MAX_FIELD_LEN)
            }
            Self::TooManyParams => write!(f, "more than {} parameters", crate::MAX_PARAMS),
            Self::TooManyChallenges => write!(f, "more than {} challenges", crate::MAX_CHALLENGES),
            Self::TooManyLines => write!(f, "more than {} field lines", crate::MAX_LINES),
            Self::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// A field value that does not match its grammar, with the byte offset at which parsing
/// failed (and, for the `*_lines` functions, the index of the field line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    offset: usize,
    line: usize,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            line: 0,
        }
    }

    pub(crate) fn at_line(mut self, line: usize, offset: usize) -> Self {
        self.line = line;
        self.offset = offset;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// Byte offset into the field value (for the `*_lines` functions: into the field line
    /// [`line`](Self::line)) at which parsing failed.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Index of the field line the error is in (0 for single field values).
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{} at byte {}", self.kind, self.offset)
        } else {
            write!(
                f,
                "{} at byte {} of line {}",
                self.kind, self.offset, self.line
            )
        }
    }
}

impl std::error::Error for ParseError {}

/// The crate's error type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field value does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A Basic user-id contains `:` (RFC 7617 section 2: the user-id cannot contain a colon).
    #[error("basic user-id contains ':'")]
    ColonInUserId,
    /// A Basic user-id or password contains a control character (RFC 7617 section 2).
    #[error("basic credentials contain a control character")]
    ControlCharacter,
    /// The credentials are not `Basic` with a `token68`.
    #[error("not basic credentials")]
    NotBasic,
    /// The Basic `token68` is not canonical padded base64 (RFC 4648 section 4).
    #[error("basic credentials are not valid base64")]
    InvalidBase64,
    /// The decoded Basic credentials are not UTF-8 (RFC 7617 section 2.1).
    #[error("basic credentials are not valid utf-8")]
    InvalidUtf8,
    /// The decoded Basic credentials have no `:` between user-id and password.
    #[error("basic credentials lack ':'")]
    MissingColon,
    /// The encoded Basic credentials would exceed [`MAX_FIELD_LEN`](crate::MAX_FIELD_LEN).
    #[error("basic credentials too long")]
    TooLong,
}
