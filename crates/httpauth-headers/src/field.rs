//! The authentication header fields by name, and a parser that dispatches on it.

use httpauth_core::{AuthParams, Challenge, Credentials};

use crate::ParseError;

/// An authentication header field this crate parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldName {
    /// `WWW-Authenticate` (RFC 7235 section 4.1).
    WwwAuthenticate,
    /// `Proxy-Authenticate` (RFC 7235 section 4.3).
    ProxyAuthenticate,
    /// `Authorization` (RFC 7235 section 4.2).
    Authorization,
    /// `Proxy-Authorization` (RFC 7235 section 4.4).
    ProxyAuthorization,
    /// `Authentication-Info` (RFC 7615 section 3).
    AuthenticationInfo,
    /// `Proxy-Authentication-Info` (RFC 7615 section 4).
    ProxyAuthenticationInfo,
    /// `Optional-WWW-Authenticate` (RFC 8053 section 3).
    OptionalWwwAuthenticate,
    /// `Authentication-Control` (RFC 8053 section 4).
    AuthenticationControl,
}

/// The grammar a field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// `1#challenge`.
    Challenges,
    /// `credentials`.
    Credentials,
    /// `#auth-param`.
    AuthInfo,
    /// `1#auth-control-entry`.
    AuthControl,
}

impl FieldName {
    /// Every field, in the order of the enum.
    pub const ALL: [FieldName; 8] = [
        FieldName::WwwAuthenticate,
        FieldName::ProxyAuthenticate,
        FieldName::Authorization,
        FieldName::ProxyAuthorization,
        FieldName::AuthenticationInfo,
        FieldName::ProxyAuthenticationInfo,
        FieldName::OptionalWwwAuthenticate,
        FieldName::AuthenticationControl,
    ];

    /// The field name in its registered spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::WwwAuthenticate => "WWW-Authenticate",
            FieldName::ProxyAuthenticate => "Proxy-Authenticate",
            FieldName::Authorization => "Authorization",
            FieldName::ProxyAuthorization => "Proxy-Authorization",
            FieldName::AuthenticationInfo => "Authentication-Info",
            FieldName::ProxyAuthenticationInfo => "Proxy-Authentication-Info",
            FieldName::OptionalWwwAuthenticate => "Optional-WWW-Authenticate",
            FieldName::AuthenticationControl => "Authentication-Control",
        }
    }

    /// The field called `name` (field names are case-insensitive, RFC 7230 section 3.2).
    pub fn from_name(name: &str) -> Option<FieldName> {
        FieldName::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// The grammar of this field's value.
    pub fn kind(self) -> FieldKind {
        match self {
            FieldName::WwwAuthenticate
            | FieldName::ProxyAuthenticate
            | FieldName::OptionalWwwAuthenticate => FieldKind::Challenges,
            FieldName::Authorization | FieldName::ProxyAuthorization => FieldKind::Credentials,
            FieldName::AuthenticationInfo | FieldName::ProxyAuthenticationInfo => {
                FieldKind::AuthInfo
            }
            FieldName::AuthenticationControl => FieldKind::AuthControl,
        }
    }
}

impl core::fmt::Display for FieldName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed field value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParsedField {
    /// Challenges of `WWW-Authenticate`, `Proxy-Authenticate`, `Optional-WWW-Authenticate`.
    Challenges(Vec<Challenge>),
    /// Credentials of `Authorization`, `Proxy-Authorization`.
    Credentials(Credentials),
    /// Parameters of `Authentication-Info`, `Proxy-Authentication-Info`.
    AuthInfo(AuthParams),
    /// Entries of `Authentication-Control`.
    AuthControl(Vec<Challenge>),
}

impl ParsedField {
    /// Serialises the value back (RFC 7615 syntax for info fields).
    pub fn format(&self) -> String {
        match self {
            ParsedField::Challenges(cs) => crate::format_challenges(cs),
            ParsedField::Credentials(c) => crate::format_credentials(c),
            ParsedField::AuthInfo(p) => crate::format_authentication_info(p),
            ParsedField::AuthControl(cs) => crate::format_authentication_control(cs),
        }
    }
}

/// Parses `value` as the value of field `name`.
///
/// ```
/// use httpauth_headers::{FieldName, ParsedField, parse_field};
/// let f = FieldName::from_name("proxy-authenticate").unwrap();
/// assert!(matches!(parse_field(f, "Basic realm=x")?, ParsedField::Challenges(cs) if cs.len() == 1));
/// # Ok::<(), httpauth_headers::ParseError>(())
/// ```
///
/// # Errors
/// As the parser for the field's [`FieldKind`].
pub fn parse_field(name: FieldName, value: &str) -> Result<ParsedField, ParseError> {
    Ok(match name.kind() {
        FieldKind::Challenges => ParsedField::Challenges(crate::parse_challenges(value)?),
        FieldKind::Credentials => ParsedField::Credentials(crate::parse_credentials(value)?),
        FieldKind::AuthInfo => ParsedField::AuthInfo(crate::parse_authentication_info(value)?),
        FieldKind::AuthControl => {
            ParsedField::AuthControl(crate::parse_authentication_control(value)?)
        }
    })
}
