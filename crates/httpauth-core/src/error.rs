//! The crate's one error type.

/// Everything that can go wrong when building core values or talking to a store.
///
/// Construction errors (`Invalid*`, `Duplicate*`) are programming or input errors found
/// while building [`AuthParam`](crate::AuthParam)s, [`Challenge`](crate::Challenge)s and
/// friends; store errors come from [`SessionStore`](crate::SessionStore),
/// [`CredentialStore`](crate::CredentialStore) and the other store traits and make
/// authentication fail closed (HTTP 503, see [`FailureKind::Unavailable`](crate::FailureKind)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scheme or parameter name is not an RFC 7230 `token`.
    #[error("invalid token {0:?}")]
    InvalidToken(String),
    /// A `token68` value does not match `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    #[error("invalid token68 value")]
    InvalidToken68,
    /// A parameter value cannot be carried in the requested form (for example a forced
    /// token that is not a token, or a control character in a quoted string).
    #[error("value of parameter {name:?} cannot be sent as {form}")]
    InvalidValue {
        /// The parameter name.
        name: String,
        /// The form that was asked for.
        form: &'static str,
    },
    /// A parameter name occurs twice in one challenge, credentials or info list
    /// (RFC 7235 section 2.1: "each parameter name MUST only occur once").
    #[error("duplicate parameter {0:?}")]
    DuplicateParameter(String),
    /// The store could not be reached or did not answer in time; fail closed.
    #[error("credential or session store unavailable")]
    StoreUnavailable,
    /// The store is at its configured capacity and nothing could be evicted.
    #[error("session store full")]
    StoreFull,
    /// The store holds a record it cannot interpret.
    #[error("corrupt store record")]
    StoreCorrupt,
}
