//! The demo PKI: a CA directory of `httpauth::ca` (the library behind the `httpauth-ca`
//! tool) with a server certificate, two client certificates and a CRL, made once and
//! reused on later runs.
//!
//! The CA lives in `<data dir>/pki`, so the tool manages it like any other:
//! `httpauth-ca --dir <data dir>/pki issue client ...`, `revoke`, `crl`. The demo reads
//! `pki/ca.pem` (`SSLCACertificateFile`) and `pki/crl.pem` (`SSLCARevocationFile`) and
//! reloads the CRL when the tool rewrites it (see `crate::reload`). The server and client
//! certificates are also exported under fixed names (`server.pem`, `clients/alice.pem`)
//! for the banner's curl commands.
//!
//! All keys are ECDSA P-256 with SHA-256. Client certificates differ in O, OU and CN; the
//! second has a UTF-8 CN (`Jürgen Müller`) to show mod_ssl's UTF-8 DN rendering. Private
//! keys are written with mode 0600 on Unix.

use crate::Error;
use httpauth::ca::{self, CaDir, InitOptions, IssueRequest, Profile, San, Subject};
use std::path::{Path, PathBuf};

/// A demo client identity.
#[derive(Debug, Clone, Copy)]
pub struct DemoClient {
    /// File stem under `clients/` (`alice` -> `clients/alice.pem`, `clients/alice.key`).
    pub stem: &'static str,
    /// Subject O.
    pub organization: &'static str,
    /// Subject OU.
    pub unit: &'static str,
    /// Subject CN.
    pub common_name: &'static str,
}

/// The two demo client certificates.
pub const DEMO_CLIENTS: [DemoClient; 2] = [
    DemoClient {
        stem: "alice",
        organization: "Example Org",
        unit: "Engineering",
        common_name: "alice",
    },
    DemoClient {
        stem: "juergen",
        organization: "Müller Handels GmbH",
        unit: "Sales",
        common_name: "Jürgen Müller",
    },
];

/// File names of the generated material, relative to the data directory.
pub mod files {
    /// The CA directory (`httpauth-ca --dir`).
    pub const CA_DIR: &str = "pki";
    /// The demo CA certificate (the client CA bundle).
    pub const CA_CERT: &str = "pki/ca.pem";
    /// The CA's CRL, rewritten by `httpauth-ca crl`.
    pub const CRL: &str = "pki/crl.pem";
    /// The server certificate chain (leaf, CA).
    pub const SERVER_CERT: &str = "server.pem";
    /// The server key.
    pub const SERVER_KEY: &str = "server.key";
    /// Directory of the exported client certificates and keys.
    pub const CLIENTS: &str = "clients";
}

/// Days the demo CRL is valid; it is signed anew at start when less than
/// [`CRL_RENEW_DAYS`] remain.
pub const CRL_DAYS: u32 = 30;
/// See [`CRL_DAYS`].
pub const CRL_RENEW_DAYS: i64 = 7;

/// Paths of one client's exported certificate and key.
pub fn client_paths(data_dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let d = data_dir.join(files::CLIENTS);
    (d.join(format!("{stem}.pem")), d.join(format!("{stem}.key")))
}

fn ca_err(e: ca::Error) -> Error {
    Error::Pki(e.to_string())
}

/// Writes `contents` to `path`; with `secret`, mode 0600 from creation on Unix.
pub(crate) fn write_file(path: &Path, contents: &[u8], secret: bool) -> Result<(), Error> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(contents).map_err(|e| Error::io(path, e))
}

/// True when every file of the demo PKI exists in `data_dir`.
pub fn exists(data_dir: &Path) -> bool {
    [
        "pki/index.json",
        files::CA_CERT,
        files::CRL,
        files::SERVER_CERT,
        files::SERVER_KEY,
    ]
    .iter()
    .all(|f| data_dir.join(f).is_file())
        && DEMO_CLIENTS.iter().all(|c| {
            let (cert, key) = client_paths(data_dir, c.stem);
            cert.is_file() && key.is_file()
        })
}

/// Generates the demo PKI into `data_dir` unless it is already there, and signs the CRL
/// anew when it is about to expire (an expired CRL fails every handshake, as in
/// OpenSSL). Returns true when it generated.
///
/// # Errors
/// [`Error::Pki`] or [`Error::Io`].
pub fn ensure(data_dir: &Path) -> Result<bool, Error> {
    if exists(data_dir) {
        renew_crl(data_dir)?;
        return Ok(false);
    }
    generate(data_dir)?;
    Ok(true)
}

/// Signs a new CRL when the current one has less than [`CRL_RENEW_DAYS`] left (or cannot
/// be read).
fn renew_crl(data_dir: &Path) -> Result<(), Error> {
    let path = data_dir.join(files::CRL);
    let next_update = std::fs::read(&path).ok().and_then(|pem| {
        let ders = cert_policy::verify::read_crls(&pem).ok()?;
        let (_, crl) = x509_parser::parse_x509_crl(ders.first()?).ok()?;
        Some(crl.next_update()?.timestamp())
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    if next_update.is_some_and(|t| t - now > CRL_RENEW_DAYS * 86_400) {
        return Ok(());
    }
    let ca = CaDir::open(data_dir.join(files::CA_DIR)).map_err(ca_err)?;
    let info = ca.crl(CRL_DAYS, None).map_err(ca_err)?;
    tracing::info!(path = %info.path.display(), number = info.number, "signed a new demo CRL");
    Ok(())
}

/// Generates (overwriting the exports) the demo PKI into `data_dir`. A CA directory
/// already in `data_dir/pki` is kept and issues the new certificates.
///
/// # Errors
/// [`Error::Pki`] or [`Error::Io`].
pub fn generate(data_dir: &Path) -> Result<(), Error> {
    let dir = data_dir.join(files::CA_DIR);
    let ca = if dir.join("index.json").is_file() {
        CaDir::open(&dir)
    } else {
        CaDir::init(
            &dir,
            &InitOptions {
                root_cn: "httpauth demo CA".into(),
                org: Some("httpauth demo".into()),
                ..InitOptions::default()
            },
        )
    }
    .map_err(ca_err)?;
    let issue = |profile, subject, sans| {
        ca.issue(
            &IssueRequest {
                profile,
                subject,
                sans,
                days: 825,
                key_type: None,
                key_passphrase: None,
            },
            None,
        )
        .map_err(ca_err)
    };

    // Server: localhost and 127.0.0.1, serverAuth.
    let server = issue(
        Profile::Server,
        Subject {
            cn: "localhost".into(),
            o: Some("httpauth demo".into()),
            ..Subject::default()
        },
        vec![
            San::Dns("localhost".into()),
            San::Ip(std::net::IpAddr::from([127, 0, 0, 1])),
        ],
    )?;
    let (chain, key) = split_export(&ca.export_pem(server.serial, None, None).map_err(ca_err)?)?;
    let ca_pem = std::fs::read_to_string(ca.ca_bundle_path())
        .map_err(|e| Error::io(ca.ca_bundle_path(), e))?;
    write_file(
        &data_dir.join(files::SERVER_CERT),
        format!("{chain}{ca_pem}").as_bytes(),
        false,
    )?;
    write_file(&data_dir.join(files::SERVER_KEY), key.as_bytes(), true)?;

    for c in DEMO_CLIENTS {
        let rec = issue(
            Profile::Client,
            Subject {
                cn: c.common_name.into(),
                c: Some("DE".into()),
                o: Some(c.organization.into()),
                ou: vec![c.unit.into()],
                ..Subject::default()
            },
            Vec::new(),
        )?;
        let (cert, key) = split_export(&ca.export_pem(rec.serial, None, None).map_err(ca_err)?)?;
        let (cert_path, key_path) = client_paths(data_dir, c.stem);
        write_file(&cert_path, cert.as_bytes(), false)?;
        write_file(&key_path, key.as_bytes(), true)?;
    }
    ca.crl(CRL_DAYS, None).map_err(ca_err)?;
    Ok(())
}

/// Splits an `export_pem` bundle into its certificates and its private key.
fn split_export(pem: &str) -> Result<(String, zeroize::Zeroizing<String>), Error> {
    let at = pem
        .find("-----BEGIN PRIVATE KEY-----")
        .or_else(|| pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        .ok_or_else(|| Error::Pki("exported bundle without a private key".into()))?;
    Ok((
        pem[..at].to_owned(),
        zeroize::Zeroizing::new(pem[at..].to_owned()),
    ))
}

/// Reads the DER certificates of a PEM (or DER) file.
///
/// # Errors
/// [`Error::Io`], or [`Error::Tls`] when nothing usable is in it.
pub fn read_certs(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let certs = cert_policy::verify::read_certificates(&data)
        .map_err(|e| Error::Tls(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("{}: no certificate", path.display())));
    }
    Ok(certs)
}

/// Reads a PEM private key.
///
/// # Errors
/// [`Error::Io`], or [`Error::Tls`].
pub fn read_key(path: &Path) -> Result<rustls_pki_types::PrivateKeyDer<'static>, Error> {
    use rustls_pki_types::pem::PemObject as _;
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    rustls_pki_types::PrivateKeyDer::from_pem_slice(&data)
        .map_err(|e| Error::Tls(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_subjects_differ() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ensure(dir.path()).unwrap());
        assert!(!ensure(dir.path()).unwrap());
        let mut subjects = Vec::new();
        for c in DEMO_CLIENTS {
            let (cert, key) = client_paths(dir.path(), c.stem);
            let der = read_certs(&cert).unwrap().remove(0);
            read_key(&key).unwrap();
            let mut tls = httpauth_core::TlsInfo::default();
            tls.peer_certificates = vec![der];
            let vars = cert_policy::TlsVars::new(&tls).unwrap();
            let ctx = cert_policy::Context::new(Some(&vars));
            let cn = cert_policy::ssl_user_name("SSL_CLIENT_S_DN_CN", &ctx)
                .unwrap()
                .unwrap();
            assert_eq!(cn, c.common_name);
            subjects.push(cn);
        }
        assert_ne!(subjects[0], subjects[1]);
        assert_eq!(
            read_certs(&dir.path().join(files::SERVER_CERT))
                .unwrap()
                .len(),
            2
        );
        // The DN FakeBasicAuth and SSLRequire policies see (country first, as before).
        let (alice, _) = client_paths(dir.path(), "alice");
        let mut tls = httpauth_core::TlsInfo::default();
        tls.peer_certificates = vec![read_certs(&alice).unwrap().remove(0)];
        let vars = cert_policy::TlsVars::new(&tls).unwrap();
        assert_eq!(
            cert_policy::fake_basic_user(&vars).as_deref(),
            Some("/C=DE/O=Example Org/OU=Engineering/CN=alice")
        );
        // The CA directory is the tool's: it lists the server and both clients.
        let ca = CaDir::open(dir.path().join(files::CA_DIR)).unwrap();
        let leaves = ca
            .list()
            .unwrap()
            .into_iter()
            .filter(|r| !r.kind.is_ca())
            .count();
        assert_eq!(leaves, 3);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in [
                files::SERVER_KEY,
                "pki/private/root.key",
                "clients/alice.key",
            ] {
                let m = std::fs::metadata(dir.path().join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(m & 0o777, 0o600, "{f}");
            }
        }
    }

    fn crl_number(data_dir: &Path) -> u64 {
        let pem = std::fs::read(data_dir.join(files::CRL)).unwrap();
        let der = cert_policy::verify::read_crls(&pem).unwrap().remove(0);
        let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
        crl.crl_number().unwrap().to_u64_digits()[0]
    }

    #[test]
    fn a_crl_near_its_next_update_is_signed_anew_at_start() {
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path()).unwrap();
        let first = crl_number(dir.path());
        ensure(dir.path()).unwrap();
        assert_eq!(crl_number(dir.path()), first, "a fresh CRL is kept");
        // A CRL with one day left, as `httpauth-ca crl --days 1` writes it.
        let ca = CaDir::open(dir.path().join(files::CA_DIR)).unwrap();
        ca.crl(1, None).unwrap();
        let short = crl_number(dir.path());
        assert!(short > first);
        ensure(dir.path()).unwrap();
        assert!(crl_number(dir.path()) > short, "renewed");
    }
}
