//! `SSLOptions +FakeBasicAuth` and `SSLUserName`.

use crate::vars::TlsVars;
use crate::{Context, Error, Expr};
use httpauth_core::subtle::ConstantTimeEq as _;
use httpauth_core::{AuthFailure, FailureReason, Password, Principal};

/// The password mod_ssl's FakeBasicAuth pairs with the certificate's DN.
pub const FAKE_BASIC_PASSWORD: &str = "password";
/// The same password as the DES-crypt hash an htpasswd file must hold for each DN
/// (`/C=DE/...:xxj31ZMTZzkVA`), as the mod_ssl documentation prescribes.
pub const FAKE_BASIC_HTPASSWD_HASH: &str = "xxj31ZMTZzkVA";

/// The FakeBasicAuth user name: the subject DN in the legacy one-line form
/// (`/C=DE/O=garex AG/CN=Alice`). `None` without a client certificate, or when the DN holds
/// a `:` (mod_ssl refuses those: the name could not be sent in Basic credentials).
pub fn fake_basic_user(tls: &TlsVars<'_>) -> Option<String> {
    let c = tls.client()?;
    let dn = String::from_utf8_lossy(&c.subject_oneline()).into_owned();
    (!dn.contains(':')).then_some(dn)
}

/// Checks Basic credentials a client sent under FakeBasicAuth: the user must be the
/// certificate's one-line DN and the password [`FAKE_BASIC_PASSWORD`] (compared in constant
/// time). Succeeds only for a verified certificate (`SSL_CLIENT_VERIFY` `SUCCESS`).
///
/// # Errors
///
/// The opaque [`AuthFailure`] (reason `Policy` or `BadCredentials`).
pub fn check_fake_basic(
    tls: &TlsVars<'_>,
    user: &str,
    password: &Password,
) -> Result<Principal, AuthFailure> {
    if tls.verify_string() != "SUCCESS" {
        return Err(AuthFailure::unauthorized(FailureReason::Policy));
    }
    let dn = fake_basic_user(tls).ok_or(AuthFailure::unauthorized(FailureReason::Policy))?;
    let user_ok = user.as_bytes().ct_eq(dn.as_bytes());
    let pw_ok = password.as_bytes().ct_eq(FAKE_BASIC_PASSWORD.as_bytes());
    if bool::from(user_ok & pw_ok) {
        Ok(Principal::new(dn, "Basic", None))
    } else {
        Err(AuthFailure::unauthorized(FailureReason::BadCredentials))
    }
}

/// `SSLUserName VAR`: the user name taken from any variable (`SSL_CLIENT_S_DN_CN`,
/// `SSL_CLIENT_SAN_Email_0`, ...). `None` when it is empty.
///
/// # Errors
///
/// [`Error::Unknown`] if `var` is not a variable name.
pub fn ssl_user_name(var: &str, ctx: &Context<'_>) -> Result<Option<String>, Error> {
    let w = Expr::parse_word(&format!("%{{{var}}}")).map_err(|_| Error::Unknown {
        kind: "variable",
        name: var.to_owned(),
        position: 0,
    })?;
    let v = Expr::eval_word(&w, ctx)?;
    Ok((!v.is_empty()).then(|| String::from_utf8_lossy(&v).into_owned()))
}
