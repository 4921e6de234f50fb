//! Starts a rustls server configuration the way an application with rustls's default
//! features does, with cert-policy's verifier on the process-default provider, and runs
//! one in-memory handshake with a client certificate. Exit 0 and `SSL_CLIENT_VERIFY=...`
//! lines on success; a panic (the old failure) or an error exits non-zero.

use cert_policy::verify::read_certificates;
use cert_policy::{ApacheClientVerifier, VerifyClient, VerifyConfig};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::path::PathBuf;
use std::sync::Arc;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn data(name: &str) -> Res<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data");
    Ok(std::fs::read(dir.join(name))?)
}

fn certs(name: &str) -> Res<Vec<CertificateDer<'static>>> {
    Ok(read_certificates(&data(name)?)?
        .into_iter()
        .map(CertificateDer::from)
        .collect())
}

fn key(name: &str) -> Res<PrivateKeyDer<'static>> {
    Ok(PrivateKeyDer::from_pem_slice(&data(name)?)?)
}

/// A client that always presents one certificate (rustls's own client refuses X.509 v1
/// certificates in `with_client_auth_cert`).
#[derive(Debug)]
struct OneCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for OneCert {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

fn handshake(
    verifier: &Arc<ApacheClientVerifier>,
    server: Arc<ServerConfig>,
    ca: &str,
    client: (&str, &str),
) -> Res<String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .ok_or("no process-default provider after ServerConfig::builder()")?
        .clone();
    let mut roots = RootCertStore::empty();
    for c in certs(ca)? {
        roots.add(c)?;
    }
    let signer = provider.key_provider.load_private_key(key(client.1)?)?;
    let cfg = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_cert_resolver(Arc::new(OneCert(Arc::new(
            rustls::sign::CertifiedKey::new(certs(client.0)?, signer),
        ))));
    let mut c = ClientConnection::new(Arc::new(cfg), ServerName::try_from("localhost")?)?;
    let mut s = ServerConnection::new(server)?;
    for _ in 0..20 {
        let mut buf = Vec::new();
        c.write_tls(&mut buf)?;
        s.read_tls(&mut buf.as_slice())?;
        s.process_new_packets()?;
        let mut buf = Vec::new();
        s.write_tls(&mut buf)?;
        c.read_tls(&mut buf.as_slice())?;
        c.process_new_packets()?;
        if !s.is_handshaking() && !c.is_handshaking() {
            break;
        }
    }
    let chain: Vec<Vec<u8>> = s
        .peer_certificates()
        .ok_or("no client certificate")?
        .iter()
        .map(|c| c.to_vec())
        .collect();
    Ok(format!("{:?}", verifier.outcome(&chain)))
}

fn main() -> Res<()> {
    // What an application does first; with two provider features compiled in, this
    // panicked ("no process-level CryptoProvider available").
    let builder = ServerConfig::builder();
    let mut vc = VerifyConfig::new(VerifyClient::Require);
    vc.depth = 5;
    vc.ca = certs("ca.pem")?;
    vc.ca.extend(certs("recipe-ca.pem")?);
    let verifier = ApacheClientVerifier::new(vc)?;
    let server = Arc::new(
        builder
            .with_client_cert_verifier(verifier.clone())
            .with_single_cert(certs("server.pem")?, key("server.key")?)?,
    );
    // A v3 client certificate, and the v1 one `openssl x509 -req -CA` makes.
    for (ca, client) in [
        ("ca.pem", ("alice.pem", "alice.key")),
        ("ca.pem", ("recipe-client.pem", "recipe-client.key")),
    ] {
        println!(
            "{}: SSL_CLIENT_VERIFY={}",
            client.0,
            handshake(&verifier, server.clone(), ca, client)?
        );
    }
    // The front crate's TLS facts type and the Redis store's configuration exist in the
    // same build: they add no provider of their own.
    let _ = httpauth_redis::RedisStoreConfig::new("rediss://127.0.0.1:1");
    let _ = std::any::type_name::<httpauth::rustls::TlsFacts>();
    Ok(())
}
