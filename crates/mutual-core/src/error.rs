//! The crate's one error type.

/// Everything that can go wrong in the Mutual math, the wire encodings and the engines.
///
/// At the server's verification boundary these collapse into the opaque
/// [`httpauth_core::AuthFailure`]; the variants are for the client, for tools and for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The algorithm token is not one of RFC 8121 section 3's four algorithms (or not enabled).
    #[error("unknown or unsupported algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The validation token is not supported (RFC 8120 section 7; `tls-unique` is not).
    #[error("unsupported validation method {0:?}")]
    UnsupportedValidation(String),
    /// A value is not valid `hex-fixed-number` (RFC 8120 section 3.2.3).
    #[error("invalid hex-fixed-number")]
    InvalidHex,
    /// A value is not canonical `base64-fixed-number` (RFC 8120 section 3.2.3, RFC 4648
    /// sections 3.1 to 3.5): a bad character, bad padding or non-canonical pad bits.
    #[error("invalid base64-fixed-number")]
    InvalidBase64,
    /// A fixed-length number has the wrong natural length (RFC 8120 section 3.2.3).
    #[error("number has {actual} octets, expected {expected}")]
    WrongLength {
        /// The length the algorithm requires.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// A value is not an `integer` (`"0" / (%x31-39 *DIGIT)`, RFC 8120 section 3.2.3).
    #[error("invalid integer")]
    InvalidInteger,
    /// A token is not an `extensive-token` (RFC 8120 section 3.2.1).
    #[error("invalid token in parameter {0:?}")]
    InvalidToken(&'static str),
    /// A mandatory parameter is missing (RFC 8120 section 4).
    #[error("missing parameter {0:?}")]
    MissingParameter(&'static str),
    /// A string parameter holds characters a quoted-string cannot carry (control
    /// characters), so it could never be sent back as RFC 8120 section 3 requires.
    #[error("parameter {0} holds characters a quoted-string cannot carry")]
    InvalidString(&'static str),
    /// Parameters that are mutually exclusive appear together, or a parameter is not allowed
    /// in this message (RFC 8120 section 4).
    #[error("conflicting parameter {0:?}")]
    ConflictingParameter(String),
    /// `version` is not `1` (RFC 8120 section 4).
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    /// A received public value (K_c1, K_s1) failed the RFC 8121 section 3.2 / 3.3 checks.
    #[error("invalid key exchange value")]
    InvalidPublicValue,
    /// A secret exponent or scalar is out of range (S_c1, S_s1, RFC 8121 section 3).
    #[error("secret value out of range")]
    InvalidSecret,
    /// The key exchange produced an invalid value (a degenerate K_s1 or z, or a
    /// non-invertible exponent); the exchange is rejected, never retried (RFC 8121 section 5.2).
    #[error("key exchange rejected")]
    ExchangeRejected,
    /// A stored verifier J is malformed.
    #[error("invalid password verifier")]
    InvalidVerifier,
    /// String preparation (RFC 8265 profiles, RFC 8120 section 9) refused a user name or
    /// password.
    #[error("string preparation failed for the {0}")]
    StringPreparation(&'static str),
    /// An auth-scope is not one of the three RFC 8120 section 5 forms, or does not cover the
    /// request's host.
    #[error("invalid auth-scope")]
    InvalidAuthScope,
    /// A host, scheme or port could not be used to form an auth-scope or `vh`.
    #[error("invalid host")]
    InvalidHost,
    /// `tls-server-end-point` was selected but no server certificate hash is available.
    #[error("channel binding unavailable")]
    ChannelBindingUnavailable,
    /// The server's VK_s is wrong or missing: the server is not authenticated and the response
    /// (body and headers) must not be used (RFC 8120 sections 2.2 and 10.1).
    #[error("server authentication failed")]
    ServerNotAuthenticated,
    /// A response that section 10 of RFC 8120 does not allow at this point of the sequence.
    #[error("unexpected response in authentication sequence")]
    UnexpectedResponse,
    /// The session's nonce counts are exhausted (`nc-max` reached). The client engine no
    /// longer ends a sequence with it: an exhausted or expired session is simply not
    /// reused (RFC 8120 sections 4.3 and 10), and the first req-VFY-C after a key
    /// exchange is always sent. Kept for callers that match on it.
    #[error("session exhausted")]
    SessionExhausted,
    /// The challenge's `validation` method does not fit the connection (RFC 8120 section
    /// 7: `host` over http, `tls-server-end-point` over https).
    #[error("validation={offered} offered where validation={required} is required")]
    ValidationMismatch {
        /// The method the server offered.
        offered: &'static str,
        /// The method the connection requires.
        required: &'static str,
    },
    /// The `realm` came as an RFC 8187 extended parameter (`realm*`), which RFC 8120
    /// section 3.1 and RFC 7235 forbid; a non-ASCII realm is sent as UTF-8 in a
    /// quoted-string.
    #[error("realm sent as an RFC 8187 realm* parameter, which RFC 8120 section 3.1 forbids")]
    ExtendedRealm,
    /// No credentials are known for the realm the server asked for.
    #[error("no credentials for the requested realm")]
    NoCredentials,
    /// A value could not be placed in a header parameter.
    #[error("cannot build header parameter")]
    Header(#[from] httpauth_core::Error),
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// A stored session record could not be decoded.
    #[error("corrupt session record")]
    CorruptSession,
}
