//! `rediss://` with a private CA and `requirepass`, against a real redis-server with TLS
//! (Debian's is built with it): the options a deployment across machines needs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use httpauth_core::store::{CountCheck, EvictionClass};
use httpauth_core::{Error, SecretBytes, SessionStore};
use httpauth_redis::{KeyRing, RedisStore, RedisStoreConfig};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct TlsRedis {
    _server: httpauth_test_kit::Peer,
    port: u16,
    ca_pem: String,
    /// A client certificate and key signed by the same CA.
    client: (String, String),
    _dir: tempfile::TempDir,
}

fn dn(cn: &str) -> rcgen::DistinguishedName {
    let mut d = rcgen::DistinguishedName::new();
    d.push(rcgen::DnType::CommonName, cn);
    d
}

fn start_tls_redis(password: &str, client_certs: bool) -> TlsRedis {
    let dir = httpauth_test_kit::temp_dir("redis-tls");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    // Distinct names: OpenSSL takes a certificate whose subject equals its issuer for
    // self-signed (rcgen's default name is the same for every certificate).
    ca.distinguished_name = dn("httpauth-redis test CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    server.distinguished_name = dn("localhost");
    let cert = server.signed_by(&key, &issuer).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(vec!["httpauth-server-a".to_owned()]).unwrap();
    client.distinguished_name = dn("httpauth-server-a");
    let client_cert = client.signed_by(&client_key, &issuer).unwrap();
    let d = dir.path();
    std::fs::write(d.join("ca.pem"), &ca_pem).unwrap();
    std::fs::write(d.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(d.join("server.key"), key.serialize_pem()).unwrap();
    let port = httpauth_test_kit::free_port();
    let mut process = httpauth_test_kit::Peer::spawn(
        "redis-server",
        Command::new(common::REDIS_SERVER)
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args(["--save", "", "--appendonly", "no", "--tls-auth-clients"])
            .arg(if client_certs { "yes" } else { "no" })
            .args(["--requirepass", password])
            .arg("--tls-cert-file")
            .arg(d.join("server.pem"))
            .arg("--tls-key-file")
            .arg(d.join("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(d.join("ca.pem"))
            .arg("--dir")
            .arg(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        Duration::ZERO,
    );
    httpauth_test_kit::wait_listening(
        &mut process,
        &[([127, 0, 0, 1], port).into()],
        Duration::from_secs(10),
    )
    .unwrap_or_else(|e| panic!("TLS redis-server did not start: {e:?}"));
    TlsRedis {
        _server: process,
        port,
        ca_pem,
        client: (client_cert.pem(), client_key.serialize_pem()),
        _dir: dir,
    }
}

fn store(url: String, ca: Option<&str>) -> RedisStore {
    let mut cfg = RedisStoreConfig::new(url)
        .timeouts(Duration::from_millis(500), Duration::from_millis(1000))
        .crypto_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()));
    if let Some(ca) = ca {
        cfg = cfg.tls_ca_pem(ca.as_bytes().to_vec());
    }
    RedisStore::connect(cfg, KeyRing::generate().unwrap()).unwrap()
}

#[test]
fn rediss_with_a_private_ca_and_a_password() {
    if !common::have_redis() {
        return;
    }
    let r = start_tls_redis("s3cret-pass", false);
    let good = store(
        format!("rediss://:s3cret-pass@127.0.0.1:{}", r.port),
        Some(&r.ca_pem),
    );
    let ttl = Duration::from_secs(60);
    // The first operation may race the server's startup: allow a few tries.
    let t = Instant::now();
    while good.ping().is_err() {
        assert!(t.elapsed() < Duration::from_secs(10), "no TLS connection");
        std::thread::sleep(Duration::from_millis(100));
    }
    let v = good
        .insert(
            "mutual:sid:t",
            SecretBytes::from_slice(b"z"),
            ttl,
            EvictionClass::Pending,
        )
        .unwrap()
        .unwrap();
    assert_eq!(good.get("mutual:sid:t").unwrap().unwrap().version, v);
    assert_eq!(
        good.check_count("nc", 1, 64, ttl).unwrap(),
        CountCheck::Fresh
    );
    assert_eq!(
        good.check_count("nc", 1, 64, ttl).unwrap(),
        CountCheck::Replayed
    );

    // Wrong password, a server certificate from an unknown CA, or plain TCP to the TLS
    // port: every one fails closed.
    let wrong_pw = store(
        format!("rediss://:nope@127.0.0.1:{}", r.port),
        Some(&r.ca_pem),
    );
    assert_eq!(
        wrong_pw.get("mutual:sid:t").unwrap_err(),
        Error::StoreUnavailable
    );
    let unknown_ca = store(format!("rediss://:s3cret-pass@127.0.0.1:{}", r.port), None);
    assert_eq!(
        unknown_ca.get("mutual:sid:t").unwrap_err(),
        Error::StoreUnavailable
    );
    let plain = store(format!("redis://:s3cret-pass@127.0.0.1:{}", r.port), None);
    assert_eq!(
        plain.get("mutual:sid:t").unwrap_err(),
        Error::StoreUnavailable
    );
}

#[test]
fn rediss_with_client_certificates() {
    if !common::have_redis() {
        return;
    }
    let r = start_tls_redis("pw", true);
    let url = format!("rediss://:pw@127.0.0.1:{}", r.port);
    let cfg = RedisStoreConfig::new(url.clone())
        .timeouts(Duration::from_millis(500), Duration::from_millis(1000))
        .crypto_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .tls_ca_pem(r.ca_pem.as_bytes().to_vec())
        .tls_client_pem(
            r.client.0.as_bytes().to_vec(),
            r.client.1.as_bytes().to_vec(),
        );
    let with_cert = RedisStore::connect(cfg, KeyRing::generate().unwrap()).unwrap();
    let t = Instant::now();
    while with_cert.ping().is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no TLS connection with a client certificate"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let ttl = Duration::from_secs(60);
    assert_eq!(
        with_cert.check_count("nc", 7, 64, ttl).unwrap(),
        CountCheck::Fresh
    );
    // The server requires a client certificate: without one, fail closed.
    let without = store(url, Some(&r.ca_pem));
    assert_eq!(
        without.check_count("nc", 8, 64, ttl).unwrap_err(),
        Error::StoreUnavailable
    );
}
