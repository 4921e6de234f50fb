//! Digest (RFC 7616) from reqwest in one line: the middleware answers the 401, reuses the
//! nonce for the next requests (`nc` counts up) and checks the server's `rspauth`.
//!
//! ```text
//! cargo run -p httpauth-demo &        # the demo server, embedded configuration
//! cargo run -p httpauth --example reqwest_digest --features reqwest -- \
//!     http://127.0.0.1:8080/digest alice wonderland
//! ```
#![allow(clippy::print_stdout)]

use httpauth::client::reqwest::AuthMiddleware;
use httpauth::client::{AuthClient, ClientError, Schemes};
use std::error::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080/digest".into());
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "wonderland".into());

    // reqwest's own redirects off: the middleware follows them, per hop.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config())
        .build()?;
    let auth = AuthClient::builder()
        .login(user, password.into())
        .schemes(Schemes::DIGEST)
        .build();
    let client = reqwest_middleware::ClientBuilder::new(http)
        .with(AuthMiddleware::new(auth))
        .build();

    for _ in 0..3 {
        match client.get(&url).send().await {
            Ok(resp) => {
                let info = resp
                    .headers()
                    .get("authentication-info")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("(none)")
                    .to_owned();
                println!("{} Authentication-Info: {info}", resp.status());
                print!("{}", resp.text().await?);
            }
            Err(reqwest_middleware::Error::Middleware(e)) => {
                match e.downcast_ref::<ClientError>() {
                    Some(ClientError::CredentialsRefused { .. }) => println!("wrong password"),
                    _ => println!("failed: {e}"),
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// rustls with the `ring` provider and the web PKI roots of the system bundle, if any.
fn tls_config() -> rustls::ClientConfig {
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    if let Ok(certs) =
        rustls_pki_types::CertificateDer::pem_file_iter("/etc/ssl/certs/ca-certificates.crt")
    {
        for c in certs.flatten() {
            let _ = roots.add(c);
        }
    }
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|b| b.with_root_certificates(roots).with_no_client_auth())
    .unwrap_or_else(|e| panic!("rustls: {e}"))
}
