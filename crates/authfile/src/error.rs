//! The crate's one error type.

use std::path::PathBuf;

/// Why one line of a file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineError {
    /// The line is longer than [`MAX_LINE_LEN`](crate::MAX_LINE_LEN) bytes.
    TooLong,
    /// The line is not UTF-8.
    NotUtf8,
    /// The line holds a NUL byte (Apache would cut the line there).
    Nul,
    /// A record line without the `:` that separates its fields.
    MissingSeparator,
    /// A record whose user (or group) name is empty.
    EmptyName,
    /// The line ends in `\`, which Apache's `ap_cfg_getline` joins with the next line;
    /// refused rather than guessed.
    Continuation,
    /// A record with too few fields.
    MissingField,
    /// A record with more fields than its format has.
    ExtraField,
    /// A hexadecimal field holds a non-hex digit.
    BadHex,
    /// An htdigest hash whose length is neither 32 (MD5) nor 64 (SHA-256) hex digits.
    BadDigestLength,
    /// An htdigest userhash that does not match `H(user ":" realm)`.
    UserhashMismatch,
    /// A malformed `%XX` escape, or an escape that does not decode to UTF-8.
    BadPercentEncoding,
    /// A field that is not valid base64.
    BadBase64,
    /// An htmutual algorithm that is not an RFC 8121 token.
    BadAlgorithm,
    /// An htmutual auth-scope that is none of the RFC 8120 section 5 forms.
    BadAuthScope,
    /// A quoted group member without its closing quote.
    UnterminatedQuote,
    /// A second record for the same key; the line number of the first is given.
    Duplicate {
        /// The 1-based line of the first record.
        first: usize,
    },
}

impl core::fmt::Display for LineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LineError::TooLong => write!(f, "line longer than {} bytes", crate::MAX_LINE_LEN),
            LineError::NotUtf8 => f.write_str("line is not utf-8"),
            LineError::Nul => f.write_str("line contains a nul byte"),
            LineError::MissingSeparator => f.write_str("missing ':' separator"),
            LineError::EmptyName => f.write_str("empty name"),
            LineError::Continuation => f.write_str("line ends in a backslash continuation"),
            LineError::MissingField => f.write_str("missing field"),
            LineError::ExtraField => f.write_str("unexpected extra field"),
            LineError::BadHex => f.write_str("invalid hexadecimal digit"),
            LineError::BadDigestLength => {
                f.write_str("digest is neither 32 (md5) nor 64 (sha-256) hex digits")
            }
            LineError::UserhashMismatch => f.write_str("userhash does not match user and realm"),
            LineError::BadPercentEncoding => f.write_str("invalid percent-encoding"),
            LineError::BadBase64 => f.write_str("invalid base64"),
            LineError::BadAlgorithm => f.write_str("invalid algorithm token"),
            LineError::BadAuthScope => f.write_str(
                "invalid auth-scope (not host, scheme://host[:port] or *.domain, rfc 8120 section 5)",
            ),
            LineError::UnterminatedQuote => f.write_str("unterminated quoted name"),
            LineError::Duplicate { first } => write!(f, "duplicate of the record on line {first}"),
        }
    }
}

/// Why a name (user, realm, group, auth-scope) cannot be written to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than the format allows.
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The name holds a character the format cannot carry (`:` in an htpasswd user name).
    Forbidden(char),
    /// The name holds a control character.
    Control,
    /// The name starts with `#` (the line would read as a comment) or starts or ends with
    /// white space (Apache strips it when reading).
    Ambiguous,
    /// An auth-scope that is none of the RFC 8120 section 5 forms (`host`,
    /// `scheme://host[:port]`, `*.domain`).
    NotAuthScope,
}

impl core::fmt::Display for NameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NameError::Empty => f.write_str("is empty"),
            NameError::TooLong { limit } => write!(f, "is longer than {limit} bytes"),
            NameError::Forbidden(c) => write!(f, "contains illegal character {c:?}"),
            NameError::Control => f.write_str("contains a control character"),
            NameError::Ambiguous => {
                f.write_str("starts with '#' or starts or ends with white space")
            }
            NameError::NotAuthScope => {
                f.write_str("is not host, scheme://host[:port] or *.domain (rfc 8120 section 5)")
            }
        }
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line of a file could not be read.
    #[error("line {line}: {kind}")]
    Line {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        kind: LineError,
    },
    /// The file is larger than [`MAX_FILE_SIZE`](crate::MAX_FILE_SIZE).
    #[error("file larger than {limit} bytes")]
    FileTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The file has more than [`MAX_LINES`](crate::MAX_LINES) lines.
    #[error("file has more than {limit} lines")]
    TooManyLines {
        /// The limit.
        limit: usize,
    },
    /// A name cannot be written to the file.
    #[error("{what} {reason}")]
    InvalidName {
        /// `user name`, `realm`, `group name`, `auth-scope`.
        what: &'static str,
        /// Why.
        reason: NameError,
    },
    /// The password is longer than [`MAX_PASSWORD_LEN`](crate::MAX_PASSWORD_LEN) bytes (for
    /// hashing) or [`MAX_PASSWORD_BYTES`](crate::MAX_PASSWORD_BYTES) (for verification).
    #[error("password longer than {limit} bytes")]
    PasswordTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A plaintext password that cannot be stored (it holds `:` or a control character).
    #[error("password cannot be stored as plaintext")]
    UnstorablePlaintext,
    /// A bcrypt cost outside 4-31.
    #[error("bcrypt cost {0} outside 4-31")]
    BcryptCost(u32),
    /// SHA-crypt rounds outside 1000-999999999.
    #[error("sha-crypt rounds {0} outside 1000-999999999")]
    ShaRounds(u64),
    /// A hash the verification policy refuses (DES crypt, plaintext, a cost above the
    /// policy's maximum).
    #[error("hash format {0} is not allowed by the verification policy")]
    Disallowed(&'static str),
    /// A hash format this build of the crate cannot verify because a cargo feature is off
    /// (DES crypt without `des-crypt`).
    #[error(
        "hash format {format} is not supported by this build: it needs authfile's cargo feature `{feature}`"
    )]
    FeatureDisabled {
        /// The format's short name ([`HashFormat::name`](crate::HashFormat::name)).
        format: &'static str,
        /// The cargo feature of `authfile` that adds it.
        feature: &'static str,
    },
    /// A hash string this crate cannot interpret.
    #[error("unrecognised or malformed password hash")]
    UnsupportedHash,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// The record to change or delete does not exist.
    #[error("no such record")]
    NotFound,
    /// An htmutual verifier could not be computed.
    #[error("verifier derivation failed: {0}")]
    Derive(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Reading, locking or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A file's line could not be read; names the file.
    #[error("{path}:{line}: {kind}")]
    FileLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        kind: LineError,
    },
    /// The updated file could not be given the original file's owner and group.
    #[error("{path}: cannot preserve owner and group of the original file")]
    PreserveOwner {
        /// The file.
        path: PathBuf,
    },
    /// Another process kept replacing the file while we tried to lock it.
    #[error("{path}: file kept changing while locking it")]
    LockContention {
        /// The file.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Attaches `path` to a line error, so the message names the file and line.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            Error::Line { line, kind } => Error::FileLine {
                path: path.into(),
                line,
                kind,
            },
            other => other,
        }
    }

    /// The 1-based line number, for errors about one line.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Line { line, .. } | Error::FileLine { line, .. } => Some(*line),
            _ => None,
        }
    }
}

impl From<Error> for httpauth_core::Error {
    /// Store failures fail closed: a corrupt file is [`httpauth_core::Error::StoreCorrupt`],
    /// anything else [`httpauth_core::Error::StoreUnavailable`].
    fn from(e: Error) -> Self {
        match e {
            Error::Line { .. }
            | Error::FileLine { .. }
            | Error::FileTooLarge { .. }
            | Error::TooManyLines { .. } => httpauth_core::Error::StoreCorrupt,
            _ => httpauth_core::Error::StoreUnavailable,
        }
    }
}
