//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can stop the demo server or client from starting or running.
///
/// Authentication failures are not errors here: they are HTTP answers (401, 400, 403).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration file is not valid TOML or does not match the schema; the message
    /// names the line and the directive.
    #[error("{file}: line {line}: {directive}: {message}")]
    Config {
        /// The file (or `<embedded>`).
        file: String,
        /// 1-based line number.
        line: usize,
        /// The directive (TOML key or table) at fault.
        directive: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A socket or runtime error.
    #[error("{0}")]
    Net(#[from] std::io::Error),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Pki(String),
    /// TLS configuration failed.
    #[error("tls: {0}")]
    Tls(String),
    /// A password, digest, group or verifier file failed to load.
    #[error("password file: {0}")]
    AuthFile(#[from] authfile::Error),
    /// The session store could not be set up.
    #[error("session store: {0}")]
    Store(String),
    /// A command-line argument is wrong.
    #[error("usage: {0}")]
    Usage(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
