//! Client certificates as an [`AuthScheme`]: a verified certificate names the user
//! (`SSLUserName`), or mod_ssl's `SSLOptions +FakeBasicAuth` checks the certificate's
//! one-line DN against a password file.
//!
//! This scheme has no challenge (a certificate is asked for in the TLS handshake, not with
//! `WWW-Authenticate`) and authenticates from the connection alone
//! ([`AuthScheme::authenticate_connection`]).

use cert_policy::{Context, TlsVars};
use httpauth_core::{
    AuthFailure, AuthParams, AuthScheme, Challenge, Cost, Credentials, FailureReason, Outcome,
    Password, PasswordVerifier, Principal, RequestContext,
};
use std::sync::Arc;

/// How a verified certificate becomes a user name.
#[derive(Clone)]
#[non_exhaustive]
pub enum CertUser {
    /// `SSLUserName VAR`: the value of an `SSL_*` variable (`SSL_CLIENT_S_DN_CN`).
    Variable(String),
    /// `SSLOptions +FakeBasicAuth`: the one-line subject DN, accepted only if `users`
    /// holds it with the password `password` (the mod_ssl convention).
    FakeBasicAuth(Arc<dyn PasswordVerifier>),
}

impl std::fmt::Debug for CertUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertUser::Variable(v) => f.debug_tuple("Variable").field(v).finish(),
            CertUser::FakeBasicAuth(_) => f.write_str("FakeBasicAuth(..)"),
        }
    }
}

/// Authentication by a client certificate that verified (`SSL_CLIENT_VERIFY` = `SUCCESS`).
#[derive(Debug, Clone)]
pub struct CertificateScheme {
    user: CertUser,
}

impl CertificateScheme {
    /// A certificate scheme naming users by `user`.
    pub fn new(user: CertUser) -> Self {
        Self { user }
    }

    /// `SSLUserName SSL_CLIENT_S_DN_CN`.
    pub fn common_name() -> Self {
        Self::new(CertUser::Variable("SSL_CLIENT_S_DN_CN".into()))
    }
}

impl AuthScheme for CertificateScheme {
    /// Not a header scheme: no client sends `Authorization: Certificate`.
    fn name(&self) -> &str {
        "Certificate"
    }

    fn challenges(&self, _request: &RequestContext<'_>) -> Vec<Challenge> {
        Vec::new()
    }

    fn authenticate(&self, _request: &RequestContext<'_>, _credentials: &Credentials) -> Outcome {
        AuthFailure::unauthorized(FailureReason::Disallowed).into()
    }

    fn authenticate_connection(&self, request: &RequestContext<'_>) -> Option<Outcome> {
        let tls = request.tls?;
        let vars = TlsVars::new(tls).ok()?;
        if vars.verify_string() != "SUCCESS" {
            return None;
        }
        match &self.user {
            CertUser::Variable(var) => {
                let ctx = Context::new(Some(&vars));
                match cert_policy::ssl_user_name(var, &ctx) {
                    Ok(Some(user)) => Some(Outcome::authenticated(
                        Principal::new(user, "Certificate", None),
                        AuthParams::new(),
                    )),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::warn!(variable = %var, error = %e, "SSLUserName failed");
                        None
                    }
                }
            }
            CertUser::FakeBasicAuth(users) => {
                // mod_ssl makes up `Basic <DN>:password` and the normal Basic check
                // against the user file decides.
                let dn = cert_policy::fake_basic_user(&vars)?;
                let pw = Password::from(cert_policy::FAKE_BASIC_PASSWORD);
                match users.verify_password(&dn, &pw) {
                    Ok(true) => Some(Outcome::authenticated(
                        Principal::new(dn, "Basic", Some("FakeBasicAuth".into())),
                        AuthParams::new(),
                    )),
                    Ok(false) => None,
                    Err(e) => {
                        tracing::warn!(error = %e, "FakeBasicAuth user file failed");
                        Some(
                            AuthFailure::new(
                                httpauth_core::FailureKind::Unavailable,
                                FailureReason::Store,
                            )
                            .into(),
                        )
                    }
                }
            }
        }
    }

    /// FakeBasicAuth hashes a password (DES crypt or bcrypt in the file).
    fn cost(&self, _credentials: &Credentials) -> Cost {
        match self.user {
            CertUser::Variable(_) => Cost::Cheap,
            CertUser::FakeBasicAuth(_) => Cost::Cpu,
        }
    }
}
