//! The demo PKI: a CA, a server certificate and two client certificates, generated once
//! with `rcgen` (ring backend) and reused on later runs.
//!
//! All keys are ECDSA P-256 with SHA-256. Client certificates differ in O, OU and CN; the
//! second has a UTF-8 CN (`Jürgen Müller`) to show mod_ssl's UTF-8 DN rendering. Private
//! keys are written with mode 0600 on Unix.

use crate::Error;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
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
    /// The demo CA certificate (also the client CA bundle).
    pub const CA_CERT: &str = "ca.pem";
    /// The demo CA key.
    pub const CA_KEY: &str = "ca.key";
    /// The server certificate chain (leaf, CA).
    pub const SERVER_CERT: &str = "server.pem";
    /// The server key.
    pub const SERVER_KEY: &str = "server.key";
    /// Directory of client certificates and keys.
    pub const CLIENTS: &str = "clients";
}

/// Paths of one client's certificate and key.
pub fn client_paths(data_dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let d = data_dir.join(files::CLIENTS);
    (d.join(format!("{stem}.pem")), d.join(format!("{stem}.key")))
}

fn pki_err(e: rcgen::Error) -> Error {
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
        files::CA_CERT,
        files::CA_KEY,
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

/// Generates the demo PKI into `data_dir` unless it is already there. Returns true when
/// it generated.
///
/// # Errors
/// [`Error::Pki`] or [`Error::Io`].
pub fn ensure(data_dir: &Path) -> Result<bool, Error> {
    if exists(data_dir) {
        return Ok(false);
    }
    generate(data_dir)?;
    Ok(true)
}

fn dn(pairs: &[(DnType, &str)]) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    for (t, v) in pairs {
        d.push(t.clone(), *v);
    }
    d
}

/// Generates (overwriting) the demo PKI into `data_dir`.
///
/// # Errors
/// [`Error::Pki`] or [`Error::Io`].
pub fn generate(data_dir: &Path) -> Result<(), Error> {
    // CA: may sign certificates and CRLs; no path length limit needed for one level.
    let ca_key = KeyPair::generate().map_err(pki_err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(pki_err)?;
    ca.distinguished_name = dn(&[
        (DnType::CountryName, "DE"),
        (DnType::OrganizationName, "httpauth demo"),
        (DnType::CommonName, "httpauth demo CA"),
    ]);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).map_err(pki_err)?;
    let ca_pem = ca_cert.pem();
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca, ca_key);

    // Server: localhost and 127.0.0.1, serverAuth.
    let server_key = KeyPair::generate().map_err(pki_err)?;
    let mut server = CertificateParams::new(vec!["localhost".to_owned()]).map_err(pki_err)?;
    server
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    server.distinguished_name = dn(&[
        (DnType::OrganizationName, "httpauth demo"),
        (DnType::CommonName, "localhost"),
    ]);
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &issuer).map_err(pki_err)?;

    write_file(&data_dir.join(files::CA_CERT), ca_pem.as_bytes(), false)?;
    write_file(&data_dir.join(files::CA_KEY), ca_key_pem.as_bytes(), true)?;
    write_file(
        &data_dir.join(files::SERVER_CERT),
        format!("{}{}", server_cert.pem(), ca_pem).as_bytes(),
        false,
    )?;
    write_file(
        &data_dir.join(files::SERVER_KEY),
        server_key.serialize_pem().as_bytes(),
        true,
    )?;

    for c in DEMO_CLIENTS {
        let key = KeyPair::generate().map_err(pki_err)?;
        let mut p = CertificateParams::new(Vec::<String>::new()).map_err(pki_err)?;
        p.distinguished_name = dn(&[
            (DnType::CountryName, "DE"),
            (DnType::OrganizationName, c.organization),
            (DnType::OrganizationalUnitName, c.unit),
            (DnType::CommonName, c.common_name),
        ]);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = p.signed_by(&key, &issuer).map_err(pki_err)?;
        let (cert_path, key_path) = client_paths(data_dir, c.stem);
        write_file(&cert_path, cert.pem().as_bytes(), false)?;
        write_file(&key_path, key.serialize_pem().as_bytes(), true)?;
    }
    Ok(())
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let m = std::fs::metadata(dir.path().join(files::CA_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }
}
