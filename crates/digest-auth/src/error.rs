//! The crate's one error type.

/// Everything that can go wrong in this crate outside the server's verification boundary.
///
/// The server never returns this type to a peer: verification failures are the opaque
/// [`AuthFailure`](httpauth_core::AuthFailure) of `httpauth-core`. This type covers
/// configuration, credential-file parsing and the client side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No challenge offered a Digest algorithm and qop this client supports.
    #[error("no supported digest challenge")]
    NoSupportedChallenge,
    /// A challenge or `Authentication-Info` lacks a parameter that is required here.
    #[error("missing parameter {0:?}")]
    MissingParameter(&'static str),
    /// A parameter has a value that does not match its grammar.
    #[error("invalid value of parameter {0:?}")]
    InvalidParameter(&'static str),
    /// The server answered a fresh (not `stale=true`) challenge after credentials were sent:
    /// the user name or password is wrong.
    #[error("credentials rejected by the server")]
    CredentialsRejected,
    /// The `rspauth` of `Authentication-Info` does not match: the server does not know the
    /// password, or the response was tampered with (RFC 7616 section 3.5).
    #[error("server response authentication failed")]
    RspauthMismatch,
    /// `auth-int` was chosen but no body digest for the algorithm's hash was supplied.
    #[error("body digest required for qop=auth-int")]
    BodyDigestRequired,
    /// The nonce count of one nonce reached its maximum (`ffffffff`).
    #[error("nonce count exhausted")]
    NonceCountExhausted,
    /// A server configuration value is invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// Digest algorithms (configured, or every default) whose `HA1` the credential store
    /// does not hold: every user would get 401 with them.
    #[error(
        "digest algorithm(s) {algorithms} cannot be answered by the credential store {store}: \
         it holds HA1 values for {held} only; configure algorithms of those hashes \
         (an Apache htdigest file holds MD5 only)"
    )]
    AlgorithmsNotInStore {
        /// The algorithms that cannot be answered, comma-separated tokens.
        algorithms: String,
        /// The hashes the store holds, comma-separated.
        held: String,
        /// The store's description (a file path), or `(unnamed)`.
        store: String,
    },
    /// A line of a credential file is malformed.
    #[error("line {line}: {reason}")]
    InvalidCredentialLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The operating system's random number generator failed.
    #[error("random number generator unavailable")]
    Random,
    /// An `httpauth-core` value could not be built.
    #[error(transparent)]
    Core(#[from] httpauth_core::Error),
}
