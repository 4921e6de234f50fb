//! The CA directory on disk: atomic file writes and the locked index.
//!
//! Every change to `index.json` happens under an exclusive lock on `index.lock` (an OS file
//! lock, released by the kernel if the process dies) and replaces the file by rename, so
//! a reader or a crash sees either the old or the new index, never a torn one, and two
//! concurrent `issue` commands are serialised: neither can hand out the other's serial or
//! overwrite its record.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{Error, Result, io};
use super::{KeyType, Serial};

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (created
/// 0600 by `tempfile`), `chmod mode`, `fsync`, rename over `path`, `fsync` the directory.
/// A bare file name (`carol.pem`, whose parent is the empty path) is written in the
/// current directory.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(io(tmp.path()))?;
    tmp.write_all(bytes).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::Io {
        path: path.into(),
        source: e.error,
    })?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

/// What a record's certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CertKind {
    /// The self-signed root.
    Root,
    /// The intermediate CA (issued by the root).
    Intermediate,
    /// A client certificate (clientAuth).
    Client,
    /// A server certificate (serverAuth).
    Server,
}

impl CertKind {
    /// Whether this is a CA certificate.
    pub fn is_ca(self) -> bool {
        match self {
            CertKind::Root | CertKind::Intermediate => true,
            CertKind::Client | CertKind::Server => false,
        }
    }

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            CertKind::Root => "root",
            CertKind::Intermediate => "intermediate",
            CertKind::Client => "client",
            CertKind::Server => "server",
        }
    }
}

/// RFC 5280 section 5.3.1 `CRLReason` (7 is unused; `removeFromCRL` only has meaning in
/// delta CRLs, which this CA does not issue, so it is not offered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Reason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
    /// privilegeWithdrawn (9)
    PrivilegeWithdrawn,
    /// aACompromise (10)
    AaCompromise,
}

impl Reason {
    /// The names `FromStr` accepts.
    pub const NAMES: &'static [&'static str] = &[
        "unspecified",
        "key-compromise",
        "ca-compromise",
        "affiliation-changed",
        "superseded",
        "cessation-of-operation",
        "certificate-hold",
        "privilege-withdrawn",
        "aa-compromise",
    ];

    pub(crate) fn to_rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Reason::Unspecified => R::Unspecified,
            Reason::KeyCompromise => R::KeyCompromise,
            Reason::CaCompromise => R::CaCompromise,
            Reason::AffiliationChanged => R::AffiliationChanged,
            Reason::Superseded => R::Superseded,
            Reason::CessationOfOperation => R::CessationOfOperation,
            Reason::CertificateHold => R::CertificateHold,
            Reason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            Reason::AaCompromise => R::AaCompromise,
        }
    }

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "key-compromise",
            Reason::CaCompromise => "ca-compromise",
            Reason::AffiliationChanged => "affiliation-changed",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessation-of-operation",
            Reason::CertificateHold => "certificate-hold",
            Reason::PrivilegeWithdrawn => "privilege-withdrawn",
            Reason::AaCompromise => "aa-compromise",
        }
    }
}

impl std::str::FromStr for Reason {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Ok(match norm.as_str() {
            "unspecified" => Reason::Unspecified,
            "keycompromise" => Reason::KeyCompromise,
            "cacompromise" => Reason::CaCompromise,
            "affiliationchanged" => Reason::AffiliationChanged,
            "superseded" => Reason::Superseded,
            "cessationofoperation" => Reason::CessationOfOperation,
            "certificatehold" => Reason::CertificateHold,
            "privilegewithdrawn" => Reason::PrivilegeWithdrawn,
            "aacompromise" => Reason::AaCompromise,
            _ => {
                return Err(Error::InvalidInput {
                    field: "reason",
                    reason: "not an RFC 5280 CRLReason (see --help)",
                });
            }
        })
    }
}

/// Revocation state of a record as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Revocation {
    /// Not revoked.
    Valid,
    /// Revoked at `at` (Unix seconds) for `reason`.
    Revoked {
        /// Unix time of the revocation.
        at: i64,
        /// RFC 5280 reason.
        reason: Reason,
    },
}

/// One issued certificate in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Serial number.
    pub serial: Serial,
    /// What it is.
    pub kind: CertKind,
    /// The subject DN as mod_ssl's `SSL_CLIENT_S_DN` shows it.
    pub subject_dn: String,
    /// Serial of the issuing CA certificate (`None` for the root).
    pub issuer: Option<Serial>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Revocation state.
    pub revocation: Revocation,
    /// Certificate file, relative to the CA directory.
    pub cert: PathBuf,
    /// Private-key file, relative to the CA directory.
    pub key: PathBuf,
}

/// The index file. `next_serial` and `crl_number` only grow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Index {
    pub(crate) format: u32,
    pub(crate) key_type: KeyType,
    pub(crate) next_serial: u64,
    pub(crate) crl_number: u64,
    pub(crate) records: Vec<Record>,
}

pub(crate) const INDEX: &str = "index.json";
const LOCK: &str = "index.lock";
pub(crate) const INDEX_FORMAT: u32 = 1;

/// The exclusive lock on the index; dropping it (or the process dying) releases it.
pub(crate) struct Locked {
    _lock: File,
    path: PathBuf,
    pub(crate) index: Index,
}

impl Locked {
    /// Takes the lock (blocking while another process holds it) and reads the index.
    pub(crate) fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(INDEX);
        // Checked before the lock file is created, so that pointing the tool at the wrong
        // directory leaves nothing behind.
        if !path.exists() {
            return Err(Error::NotInitialised(dir.into()));
        }
        let lock = lock_file(dir)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotInitialised(dir.into()));
            }
            Err(e) => return Err(Error::Io { path, source: e }),
        };
        let index: Index =
            serde_json::from_slice(&bytes).map_err(|source| Error::CorruptIndex {
                path: path.clone(),
                source,
            })?;
        if index.format != INDEX_FORMAT {
            return Err(Error::IndexFormat {
                path,
                found: index.format,
            });
        }
        Ok(Locked {
            _lock: lock,
            path,
            index,
        })
    }

    /// Takes the lock for `init`: the index must not exist yet.
    pub(crate) fn create(dir: &Path, index: Index) -> Result<Self> {
        let lock = lock_file(dir)?;
        let path = dir.join(INDEX);
        if path.exists() {
            return Err(Error::AlreadyInitialised(dir.into()));
        }
        Ok(Locked {
            _lock: lock,
            path,
            index,
        })
    }

    /// Takes the next serial number (persisted only by [`Locked::commit`]).
    pub(crate) fn next_serial(&mut self) -> Result<Serial> {
        let s = self.index.next_serial;
        self.index.next_serial = s.checked_add(1).ok_or(Error::SerialExhausted)?;
        Ok(Serial(s))
    }

    /// Writes the index atomically (still under the lock).
    pub(crate) fn commit(&self) -> Result<()> {
        let mut json =
            serde_json::to_vec_pretty(&self.index).map_err(|source| Error::CorruptIndex {
                path: self.path.clone(),
                source,
            })?;
        json.push(b'\n');
        atomic_write(&self.path, &json, 0o644)
    }

    pub(crate) fn find(&self, serial: Serial) -> Result<&Record> {
        self.index
            .records
            .iter()
            .find(|r| r.serial == serial)
            .ok_or(Error::UnknownSerial(serial))
    }
}

fn lock_file(dir: &Path) -> Result<File> {
    let p = dir.join(LOCK);
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(io(&p))?;
    f.lock().map_err(io(&p))?;
    Ok(f)
}
