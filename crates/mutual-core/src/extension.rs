//! RFC 8053 `Authentication-Control` entries for Mutual (RFC 8120 section 8).
//!
//! ```text
//! Authentication-Control = 1#auth-control-entry
//! auth-control-entry     = auth-scheme 1*SP 1#auth-control-param
//! auth-control-param     = extensive-token BWS "=" BWS token
//!                        / extensive-token "*" BWS "=" BWS ext-value
//! ```
//!
//! An entry has the shape of a challenge, so it travels as an `httpauth_core::Challenge`
//! (`httpauth_headers::parse_authentication_control` / `format_authentication_control`).
//! Optional authentication itself (`Optional-WWW-Authenticate`, RFC 8053 section 3) is
//! the `AuthScheme` hooks
//! [`optional_challenges`](httpauth_core::AuthScheme::optional_challenges) and
//! [`may_answer_optionally`](httpauth_core::AuthScheme::may_answer_optionally) of
//! [`MutualServer`](crate::server::MutualServer) on the server and the `optional_challenges` of [`client::Response`](crate::client::Response).

use crate::Error;
use crate::encoding::{is_extensive_token, parse_integer};
use crate::messages::{SCHEME, string_param};
use httpauth_core::{AuthParam, AuthParams, Challenge};

/// `auth-style` (RFC 8053 section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthStyle {
    /// `modal`.
    Modal,
    /// `non-modal` (RFC 8120 section 8 proposes it as the default).
    NonModal,
}

/// One `Authentication-Control` entry for the `Mutual` scheme and a realm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticationControl {
    /// The realm the entry applies to.
    pub realm: String,
    /// `auth-style` (section 4.2). RFC 8120 section 8 exempts Mutual clients from it, but
    /// it is carried for completeness.
    pub auth_style: Option<AuthStyle>,
    /// `location-when-unauthenticated` (section 4.3).
    pub location_when_unauthenticated: Option<String>,
    /// `no-auth=true` (section 4.4).
    pub no_auth: bool,
    /// `location-when-logout` (section 4.5).
    pub location_when_logout: Option<String>,
    /// `logout-timeout` in seconds (section 4.6); 0 logs out now.
    pub logout_timeout: Option<u64>,
    /// `username` (section 4.7).
    pub username: Option<String>,
}

impl AuthenticationControl {
    /// An entry for `realm` with nothing set.
    pub fn new(realm: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            ..Self::default()
        }
    }

    /// Parses an entry. Unknown parameters are ignored (section 4); values of the wrong
    /// type are ignored as section 4.4 allows ("MAY ignore"), not errors.
    ///
    /// # Errors
    /// [`Error::MissingParameter`] if the entry is not for `Mutual` or has no `realm`.
    pub fn parse(entry: &Challenge) -> Result<Self, Error> {
        if !entry.is_scheme(SCHEME) {
            return Err(Error::MissingParameter("Mutual"));
        }
        let realm = entry
            .value("realm")
            .ok_or(Error::MissingParameter("realm"))?;
        let v = |n: &str| entry.value(n).map(str::to_owned);
        Ok(Self {
            realm: realm.to_owned(),
            auth_style: match entry
                .value("auth-style")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("modal") => Some(AuthStyle::Modal),
                Some("non-modal") => Some(AuthStyle::NonModal),
                _ => None,
            },
            location_when_unauthenticated: v("location-when-unauthenticated"),
            no_auth: entry
                .value("no-auth")
                .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            location_when_logout: v("location-when-logout"),
            logout_timeout: entry
                .value("logout-timeout")
                .and_then(|s| parse_integer(s).ok()),
            username: v("username"),
        })
    }

    /// The entry as a `Mutual` "challenge" for `format_authentication_control`.
    ///
    /// # Errors
    /// Values that cannot be represented (control characters).
    pub fn to_entry(&self) -> Result<Challenge, Error> {
        let mut ps = AuthParams::new();
        ps.push(AuthParam::quoted("realm", self.realm.clone())?)?;
        if let Some(s) = self.auth_style {
            let t = match s {
                AuthStyle::Modal => "modal",
                AuthStyle::NonModal => "non-modal",
            };
            ps.push(AuthParam::token("auth-style", t)?)?;
        }
        if let Some(l) = &self.location_when_unauthenticated {
            ps.push(string_param("location-when-unauthenticated", l)?)?;
        }
        if self.no_auth {
            ps.push(AuthParam::token("no-auth", "true")?)?;
        }
        if let Some(l) = &self.location_when_logout {
            ps.push(string_param("location-when-logout", l)?)?;
        }
        if let Some(t) = self.logout_timeout {
            ps.push(AuthParam::token("logout-timeout", t.to_string())?)?;
        }
        if let Some(u) = &self.username {
            ps.push(string_param("username", u)?)?;
        }
        debug_assert!(ps.iter().all(|p| is_extensive_token(p.name())));
        Ok(Challenge::with_params(SCHEME, ps)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8053_4_entries_round_trip() {
        let mut c = AuthenticationControl::new("auth-space-1");
        c.auth_style = Some(AuthStyle::NonModal);
        c.location_when_unauthenticated = Some("http://www.example.com/login.html".into());
        c.location_when_logout = Some("/byebye.html".into());
        c.logout_timeout = Some(300);
        c.username = Some("Renée".into());
        let e = c.to_entry().unwrap();
        assert!(e.get("username").unwrap().is_extended());
        assert_eq!(AuthenticationControl::parse(&e).unwrap(), c);
        let mut d = AuthenticationControl::new("entrance");
        d.no_auth = true;
        assert_eq!(
            AuthenticationControl::parse(&d.to_entry().unwrap()).unwrap(),
            d
        );
        let basic = Challenge::new("Basic").unwrap();
        assert!(AuthenticationControl::parse(&basic).is_err());
    }
}
