//! Challenges and credentials (RFC 7235 sections 2.1 and 4).
//!
//! ```text
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! ```

use crate::{AuthParam, AuthParams, Error, syntax};

/// What follows the scheme in a challenge or credentials: nothing, a `token68`, or a
/// parameter list. The grammar allows one or the other, never both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthData {
    /// A `token68` (Basic credentials, Negotiate blobs).
    Token68(String),
    /// A list of `auth-param`s (possibly empty).
    Params(AuthParams),
}

impl Default for AuthData {
    fn default() -> Self {
        AuthData::Params(AuthParams::new())
    }
}

macro_rules! scheme_item {
    ($(#[$doc:meta])* $name:ident, redact_token68 = $redact:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            scheme: String,
            data: AuthData,
        }

        impl $name {
            /// An item with `scheme` and an empty parameter list.
            ///
            /// # Errors
            /// [`Error::InvalidToken`] if `scheme` is not a token.
            pub fn new(scheme: impl Into<String>) -> Result<Self, Error> {
                let scheme = scheme.into();
                if !syntax::is_token(&scheme) {
                    return Err(Error::InvalidToken(scheme));
                }
                Ok(Self { scheme, data: AuthData::default() })
            }

            /// An item with `scheme` and the given parameters.
            ///
            /// # Errors
            /// [`Error::InvalidToken`] if `scheme` is not a token.
            pub fn with_params(scheme: impl Into<String>, params: AuthParams) -> Result<Self, Error> {
                let mut item = Self::new(scheme)?;
                item.data = AuthData::Params(params);
                Ok(item)
            }

            /// An item with `scheme` and a `token68`.
            ///
            /// # Errors
            /// [`Error::InvalidToken`] for a bad scheme, [`Error::InvalidToken68`] for a bad value.
            pub fn with_token68(scheme: impl Into<String>, token68: impl Into<String>) -> Result<Self, Error> {
                let token68 = token68.into();
                if !syntax::is_token68(&token68) {
                    return Err(Error::InvalidToken68);
                }
                let mut item = Self::new(scheme)?;
                item.data = AuthData::Token68(token68);
                Ok(item)
            }

            /// Appends a parameter.
            ///
            /// # Errors
            /// [`Error::DuplicateParameter`] if the name is present; [`Error::InvalidToken68`]
            /// if this item carries a `token68` (the grammar allows one or the other).
            pub fn push(&mut self, param: AuthParam) -> Result<(), Error> {
                match &mut self.data {
                    AuthData::Params(ps) => ps.push(param),
                    AuthData::Token68(_) => Err(Error::InvalidToken68),
                }
            }

            /// Builder form of [`push`](Self::push).
            ///
            /// # Errors
            /// As [`push`](Self::push).
            pub fn param(mut self, param: AuthParam) -> Result<Self, Error> {
                self.push(param)?;
                Ok(self)
            }

            /// The scheme as written. Compare with [`is_scheme`](Self::is_scheme).
            pub fn scheme(&self) -> &str {
                &self.scheme
            }

            /// True if the scheme equals `scheme`, ignoring ASCII case (RFC 7235 section 2.1).
            pub fn is_scheme(&self, scheme: &str) -> bool {
                self.scheme.eq_ignore_ascii_case(scheme)
            }

            /// The data after the scheme.
            pub fn data(&self) -> &AuthData {
                &self.data
            }

            /// The `token68`, if that is what this item carries.
            pub fn token68(&self) -> Option<&str> {
                match &self.data {
                    AuthData::Token68(t) => Some(t),
                    AuthData::Params(_) => None,
                }
            }

            /// The parameters; empty for a `token68` item.
            pub fn params(&self) -> &[AuthParam] {
                match &self.data {
                    AuthData::Params(ps) => ps.as_slice(),
                    AuthData::Token68(_) => &[],
                }
            }

            /// The parameter list, if this item carries one.
            pub fn param_list(&self) -> Option<&AuthParams> {
                match &self.data {
                    AuthData::Params(ps) => Some(ps),
                    AuthData::Token68(_) => None,
                }
            }

            /// The parameter called `name` (case-insensitive).
            pub fn get(&self, name: &str) -> Option<&AuthParam> {
                self.param_list().and_then(|ps| ps.get(name))
            }

            /// The value of the parameter called `name` (case-insensitive).
            pub fn value(&self, name: &str) -> Option<&str> {
                self.get(name).map(AuthParam::value)
            }

            /// Consumes the item, returning `(scheme, data)`.
            pub fn into_parts(self) -> (String, AuthData) {
                (self.scheme, self.data)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                d.field("scheme", &self.scheme);
                match &self.data {
                    AuthData::Token68(_) if $redact => d.field("token68", &"<redacted>"),
                    AuthData::Token68(t) => d.field("token68", t),
                    AuthData::Params(ps) => d.field("params", ps),
                };
                d.finish()
            }
        }
    };
}

scheme_item! {
    /// One challenge of a `WWW-Authenticate`, `Proxy-Authenticate` or RFC 8053
    /// `Optional-WWW-Authenticate` field.
    Challenge, redact_token68 = false
}

scheme_item! {
    /// The credentials of an `Authorization` or `Proxy-Authorization` field.
    ///
    /// Values here may be secret (Basic's token68 carries a password); use the scheme's
    /// decoding into zeroizing types and do not log this value.
    Credentials, redact_token68 = true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_and_query() {
        let c = Challenge::new("Digest")
            .unwrap()
            .param(AuthParam::quoted("realm", "x").unwrap())
            .unwrap();
        assert!(c.is_scheme("digest"));
        assert_eq!(c.value("REALM"), Some("x"));
        assert!(c.token68().is_none());
        assert!(Challenge::new("bad scheme").is_err());
    }

    #[test]
    fn token68_excludes_params() {
        let mut c = Credentials::with_token68("Basic", "dXNlcjpwYXNz").unwrap();
        assert_eq!(c.token68(), Some("dXNlcjpwYXNz"));
        assert!(c.push(AuthParam::new("a", "b").unwrap()).is_err());
        assert!(c.params().is_empty());
        assert!(Credentials::with_token68("Basic", "a b").is_err());
        assert!(!format!("{c:?}").contains("dXNlcjpwYXNz"));
    }
}
