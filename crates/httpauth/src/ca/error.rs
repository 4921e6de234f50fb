//! The one error type of [`crate::ca`].

use std::path::PathBuf;

use super::Serial;

/// What went wrong in a CA operation. Every variant names the file or the input at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file of the CA directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The directory holds no CA index (run `init` first).
    #[error("{}: not a CA directory (no index.json; run `init` first)", .0.display())]
    NotInitialised(PathBuf),
    /// `init` on a directory that already holds a CA: nothing was overwritten.
    #[error("{}: already holds a CA (index.json exists); nothing was changed", .0.display())]
    AlreadyInitialised(PathBuf),
    /// The index file is not what this version writes.
    #[error("{}: damaged index: {source}", path.display())]
    CorruptIndex {
        /// The index file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The index was written by another version of this library.
    #[error("{}: index format {found} is not the supported format 1", path.display())]
    IndexFormat {
        /// The index file.
        path: PathBuf,
        /// The format number found.
        found: u32,
    },
    /// A request field is unusable.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field (command-line option) at fault.
        field: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },
    /// No record with this serial number.
    #[error("no certificate with serial {0}")]
    UnknownSerial(Serial),
    /// The certificate was revoked before.
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(Serial),
    /// The operation applies to end-entity certificates only.
    #[error(
        "certificate {0} is a CA certificate; only issued certificates can be revoked or exported"
    )]
    NotALeaf(Serial),
    /// The private key is stored encrypted and no passphrase was given.
    #[error("{}: the private key is encrypted; a passphrase is needed", .0.display())]
    PassphraseRequired(PathBuf),
    /// The passphrase does not decrypt the key (or the key file is damaged).
    #[error("{}: wrong passphrase or damaged encrypted key", .0.display())]
    KeyDecryption(PathBuf),
    /// The key file is not a PKCS#8 PEM private key of a supported type.
    #[error("{}: not a PKCS#8 PEM private key of a supported type", .0.display())]
    KeyFormat(PathBuf),
    /// A stored certificate does not parse.
    #[error("{}: cannot parse the certificate", .0.display())]
    CertificateParse(PathBuf),
    /// rcgen refused the certificate or CRL parameters.
    #[error("certificate generation: {0}")]
    Certificate(#[from] rcgen::Error),
    /// PKCS#8 encryption failed.
    #[error("private-key encryption: {0}")]
    KeyEncryption(pkcs8::Error),
    /// The PKCS#12 writer failed.
    #[error("PKCS#12: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
    /// The serial-number counter would overflow.
    #[error("serial numbers exhausted")]
    SerialExhausted,
    /// The system clock is outside the range certificates can express.
    #[error("system clock out of range")]
    Clock,
}

/// Shorthand for `Result<T, ca::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
