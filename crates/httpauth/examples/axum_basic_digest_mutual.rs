//! An axum app protecting four routes, each in one line, with the `httpauth` front crate:
//!
//! | route | scheme | credential file |
//! |---|---|---|
//! | `/basic` | Basic (RFC 7617) | `users.htpasswd` (Apache `htpasswd`) |
//! | `/digest` | Digest (RFC 7616) | `users.htdigest` (Apache `htdigest`) |
//! | `/mutual` | Mutual (RFC 8120) | `users.htmutual` (`rs-htmutual`) |
//! | `/lab` | client certificate with `OU=Lab` (https only) | `ca.pem` |
//!
//! ```text
//! cargo run -p httpauth --example axum_basic_digest_mutual --features axum,hyper,rustls -- DIR
//! curl -u alice:wonderland http://127.0.0.1:8080/basic
//! curl --digest -u alice:wonderland http://127.0.0.1:8080/digest
//! ```
//!
//! `DIR` (default `./httpauth-example`) gets example credential files for `alice` /
//! `wonderland` when it has none. With `server.pem`, `server.key` and `ca.pem` in it, the
//! app also serves https on 127.0.0.1:8443, asking for (not requiring) client
//! certificates signed by `ca.pem`.
#![allow(clippy::print_stdout)]

use authfile::{FileCache, HtdigestFile, HtmutualFile, HtpasswdFile, VerifyPolicy};
use axum::{Router, routing::get};
use httpauth::extract::Authenticated;
use httpauth::layer::{AuthLayer, ConnectionInfo};
use httpauth::{BasicScheme, CertAccess, CertificateScheme, Guard, Satisfy};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const REALM: &str = "example";

async fn hello(Authenticated(p): Authenticated) -> String {
    format!("hello, {} ({})\n", p.user, p.scheme)
}

/// Writes example credential files for alice / wonderland into `dir` if none are there.
fn example_files(dir: &Path) -> Result<(), Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let password = authfile::Password::from("wonderland");
    let p = dir.join("users.htpasswd");
    if !p.exists() {
        let mut f = HtpasswdFile::new();
        f.set_password(
            "alice",
            &password,
            authfile::HashAlgorithm::Bcrypt { cost: 10 },
        )?;
        std::fs::write(p, f.to_bytes())?;
    }
    let p = dir.join("users.htdigest");
    if !p.exists() {
        let mut f = HtdigestFile::new();
        f.set_password("alice", REALM, &password, authfile::DigestHash::Md5, false)?;
        std::fs::write(p, f.to_bytes())?;
    }
    let p = dir.join("users.htmutual");
    if !p.exists() {
        let mut f = HtmutualFile::new();
        let alg = mutual_core::DEFAULT_ALGORITHMS[0];
        for host in ["127.0.0.1", "localhost"] {
            let j = mutual_core::derive_verifier(alg.token(), host, REALM, "alice", "wonderland")?;
            let key = authfile::MutualKey {
                user: "alice".into(),
                algorithm: alg.token().into(),
                auth_scope: host.into(),
                realm: REALM.into(),
            };
            f.set_verifier(key, mutual_core::kam3::decode_verifier(alg, &j)?)?;
        }
        std::fs::write(p, f.to_bytes())?;
    }
    Ok(())
}

/// The app: one guard per route.
fn app(dir: &Path) -> Result<Router, Box<dyn Error>> {
    let htpasswd =
        FileCache::<HtpasswdFile>::htpasswd(dir.join("users.htpasswd"), VerifyPolicy::default())?;
    let htdigest = FileCache::<HtdigestFile>::htdigest(dir.join("users.htdigest"))?;
    let htmutual = FileCache::<HtmutualFile>::htmutual(dir.join("users.htmutual"))?;

    let basic = Guard::builder()
        .scheme(Arc::new(BasicScheme::new(REALM, Arc::new(htpasswd))))
        .build();
    // Offers only the algorithms the file can answer (Apache's htdigest writes MD5).
    let digest = Guard::builder()
        .scheme(Arc::new(
            digest_auth::DigestServer::builder(REALM, Arc::new(htdigest)).build()?,
        ))
        .build();
    let mutual = Guard::builder()
        .scheme(Arc::new(mutual_core::server::MutualServer::new(
            mutual_core::server::ServerConfig::new(REALM),
            Arc::new(htmutual),
        )))
        .build();
    // SSLVerifyClient require + SSLRequire %{SSL_CLIENT_S_DN_OU} eq "Lab"; the user is
    // the certificate's CN.
    let mut lab = CertAccess::default();
    lab.require_verified = true;
    lab.ssl_require = Some(Arc::new(cert_policy::Expr::parse(
        "%{SSL_CLIENT_S_DN_OU} eq \"Lab\"",
        cert_policy::Dialect::SslRequire,
    )?));
    let cert = Guard::builder()
        .scheme(Arc::new(CertificateScheme::common_name()))
        .cert_access(lab, Satisfy::All)
        .build();

    Ok(Router::new()
        .route("/basic", get(hello).route_layer(AuthLayer::new(basic)))
        .route("/digest", get(hello).route_layer(AuthLayer::new(digest)))
        .route("/mutual", get(hello).route_layer(AuthLayer::new(mutual)))
        .route("/lab", get(hello).route_layer(AuthLayer::new(cert))))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "httpauth-example".into()),
    );
    example_files(&dir)?;
    let app = app(&dir)?;

    if dir.join("server.pem").exists() {
        let https = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
        let (acceptor, facts) = tls(&dir)?;
        println!("https://127.0.0.1:8443/lab");
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, remote)) = https.accept().await else {
                    continue;
                };
                let (acceptor, facts, app) = (acceptor.clone(), facts.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    // The TLS facts of this connection, in every request's extensions.
                    let info = ConnectionInfo::new(remote).with_tls(facts.stream(&tls));
                    let _ = httpauth::hyper::serve_connection(tls, info, app).await;
                });
            }
        });
    }
    let http = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("http://127.0.0.1:8080/{{basic,digest,mutual}}");
    axum::serve(
        http,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}

/// A rustls acceptor that asks for client certificates signed by `ca.pem`.
fn tls(
    dir: &Path,
) -> Result<(tokio_rustls::TlsAcceptor, httpauth::rustls::TlsFacts), Box<dyn Error>> {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("server.pem"))?.collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key"))?;
    let mut vc = cert_policy::VerifyConfig::new(cert_policy::VerifyClient::Optional);
    vc.ca = CertificateDer::pem_file_iter(dir.join("ca.pem"))?.collect::<Result<_, _>>()?;
    // The application chooses the crypto provider; the libraries use the one given.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = cert_policy::ApacheClientVerifier::with_provider(vc, Arc::clone(&provider))?;
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(chain.clone(), key)?;
    let facts = httpauth::rustls::TlsFacts::new(&chain).with_client_verifier(verifier);
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), facts))
}
