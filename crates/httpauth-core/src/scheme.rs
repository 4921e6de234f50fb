//! The authentication-scheme trait.

use crate::{Challenge, Credentials, Outcome, RequestContext};

/// An HTTP authentication scheme on the server side (RFC 7235 section 2).
///
/// Object-safe: a server holds `Vec<Box<dyn AuthScheme>>`, offers every scheme's
/// challenges (strongest first) and hands each `Authorization` to the scheme it names.
///
/// Implementations are synchronous. Stores they consult must bound their latency; async
/// servers call [`authenticate`](Self::authenticate) from a blocking pool when a scheme does
/// CPU-heavy work (Mutual key exchange) or talks to a remote store.
pub trait AuthScheme: Send + Sync {
    /// The scheme name as sent (`Digest`, `Mutual`, `Basic`).
    fn name(&self) -> &str;

    /// The challenges for a 401/407 response to `request` (RFC 7235 section 4.1), strongest
    /// first. Digest returns one per algorithm, each with a fresh nonce.
    fn challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge>;

    /// Verifies `credentials` (whose scheme is this scheme's) for `request`.
    fn authenticate(&self, request: &RequestContext<'_>, credentials: &Credentials) -> Outcome;
}
