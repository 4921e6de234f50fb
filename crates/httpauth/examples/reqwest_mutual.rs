//! Mutual (RFC 8120) from reqwest in one line: the middleware runs the key exchange once,
//! then every request to the realm is a single req-VFY-C, and each response is accepted
//! only after the server proved it knows the password (`vks`). Over https the session is
//! bound to the server's certificate (`tls-server-end-point`, RFC 5929), which reqwest
//! reports with `tls_info(true)`.
//!
//! ```text
//! cargo run -p httpauth-demo &        # the demo server, embedded configuration
//! cargo run -p httpauth --example reqwest_mutual --features reqwest -- \
//!     https://127.0.0.1:8443/mutual alice wonderland httpauth-demo-data/pki/ca.pem
//! ```
//! (The demo prints the path of its CA certificate when it starts.)
#![allow(clippy::print_stdout)]

use httpauth::client::reqwest::AuthMiddleware;
use httpauth::client::{AuthClient, Schemes};
use std::error::Error;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080/mutual".into());
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "wonderland".into());
    let ca = args.next();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_info(true)
        .tls_backend_preconfigured(tls_config(ca.as_deref())?)
        .build()?;
    let auth = AuthClient::builder()
        .login(user, password.into())
        .schemes(Schemes::MUTUAL)
        .build();
    let client = reqwest_middleware::ClientBuilder::new(http)
        .with(AuthMiddleware::new(auth))
        .build();

    for i in 1..=5 {
        let resp = client.get(&url).send().await?;
        println!("request {i}: {}", resp.status());
    }
    Ok(())
}

/// rustls with the `ring` provider, trusting `ca` (PEM) when given.
fn tls_config(ca: Option<&str>) -> Result<rustls::ClientConfig, Box<dyn Error>> {
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for c in rustls_pki_types::CertificateDer::pem_file_iter(ca)? {
            roots.add(c?)?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
