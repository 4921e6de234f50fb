use httpauth::cert_policy::{Dialect, Expr};
use httpauth::{CertAccess, Guard, Satisfy};
use std::sync::Arc;

/// `SSLVerifyClient require` + `SSLRequire` + `Satisfy any`: a certificate from the
/// Lab OU, or a password.
fn cert_or_password(
    password_scheme: Arc<dyn httpauth::AuthScheme>,
) -> Result<Guard, Box<dyn std::error::Error>> {
    let mut cert = CertAccess::default();
    cert.require_verified = true;
    cert.ssl_require = Some(Arc::new(Expr::parse(
        "%{SSL_CLIENT_S_DN_OU} eq \"Lab\"",
        Dialect::SslRequire,
    )?));
    Ok(Guard::builder()
        .scheme(password_scheme)
        .cert_access(cert, Satisfy::Any)
        .build())
}
