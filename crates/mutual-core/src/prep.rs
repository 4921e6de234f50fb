//! String preparation (RFC 8120 section 9): PRECIS profiles of RFC 8265 (which obsoletes the
//! RFC 7613 cited by the draft), from the `precis-profiles` crate.

use crate::Error;
use httpauth_core::Password;
use precis_core::profile::Profile as _;
use precis_profiles::{OpaqueString, UsernameCasePreserved};

/// Prepares a user name with the `UsernameCasePreserved` profile (RFC 8265 section 3.4,
/// RFC 8120 section 9).
///
/// RFC 8265 section 3.5 lets an application accept user names made of several "userparts"
/// separated by spaces: each space-separated part is enforced on its own and the parts are
/// joined with a single U+0020, so `"Jane Doe"` stays usable.
///
/// # Errors
/// [`Error::StringPreparation`] when a part is empty or contains disallowed code points.
pub fn prepare_username(user: &str) -> Result<String, Error> {
    let profile = UsernameCasePreserved::new();
    let mut out = String::with_capacity(user.len());
    for (i, part) in user.split(' ').enumerate() {
        let p = profile
            .enforce(part)
            .map_err(|_| Error::StringPreparation("user name"))?;
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&p);
    }
    Ok(out)
}

/// Prepares a password with the `OpaqueString` profile (RFC 8265 section 4.2, RFC 8120
/// section 9). The result is zeroizing.
///
/// # Errors
/// [`Error::StringPreparation`] for an empty password or disallowed code points.
pub fn prepare_password(password: &str) -> Result<Password, Error> {
    let p = OpaqueString::new()
        .enforce(password)
        .map_err(|_| Error::StringPreparation("password"))?;
    Ok(Password::new(p.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8265_profiles() {
        assert_eq!(prepare_username("alice").as_deref(), Ok("alice"));
        assert_eq!(prepare_username("Alice").as_deref(), Ok("Alice"));
        // Width mapping: fullwidth letters map to ASCII (RFC 8265 section 3.4.1 step 1).
        assert_eq!(prepare_username("\u{ff21}lice").as_deref(), Ok("Alice"));
        assert_eq!(prepare_username("Jane Doe").as_deref(), Ok("Jane Doe"));
        assert!(prepare_username("").is_err());
        assert!(prepare_username("a  b").is_err());
        assert!(prepare_username("a\u{7}").is_err());
        // NFC (RFC 8265 section 3.4.1 step 3): e + combining acute becomes U+00E9.
        assert_eq!(prepare_username("e\u{301}").as_deref(), Ok("\u{e9}"));
        // OpaqueString maps non-ASCII spaces to U+0020 and keeps case.
        let p = prepare_password("Correct\u{a0}Horse").unwrap();
        assert_eq!(p.expose_secret(), "Correct Horse");
        assert!(prepare_password("").is_err());
    }
}
