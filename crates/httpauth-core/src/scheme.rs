//! The authentication-scheme trait: the one seam between a server and a scheme.

use crate::{
    AuthFailure, AuthParams, Challenge, Credentials, HashFunction, Outcome, RequestContext,
};
use core::fmt;
use std::sync::Arc;

/// How costly one [`AuthScheme::authenticate`] call is, so that an asynchronous server
/// knows where to run it.
///
/// A server calls [`Cost::Cheap`] work inline; it runs [`Cost::Cpu`] work on a bounded
/// pool of blocking threads (so a flood of key exchanges or password hashes cannot starve
/// established sessions, which are cheap), and [`Cost::Blocking`] work where blocking
/// on I/O is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Cost {
    /// Microseconds of CPU, at most about 0.3 ms, and no I/O (a Digest response, a Mutual
    /// `req-VFY-C` on an in-memory store, a `{SHA}` or apr1 password check, which httpd and
    /// nginx also run on their request threads): call it on the executor.
    Cheap,
    /// Waits on a remote store (Redis) for up to the store's timeout, little CPU.
    Blocking,
    /// Milliseconds of CPU (a Mutual key exchange, bcrypt, SHA-crypt): run it on a
    /// bounded pool.
    Cpu,
}

/// `Authentication-Info` that can only be finished once the response is known
/// (RFC 7616 section 3.5: with `qop=auth-int`, `rspauth` covers the response body).
///
/// A server buffers the response body (as sent: empty for `HEAD`) and calls
/// [`finish`](Self::finish) once, then sends the result as `Authentication-Info`
/// (or `Proxy-Authentication-Info`).
pub trait ResponseInfo: Send + Sync {
    /// The complete `Authentication-Info` parameters for a response whose body is
    /// `response_body`.
    fn finish(&self, response_body: &[u8]) -> AuthParams;
}

/// A shared [`ResponseInfo`], carried by [`Outcome::Authenticated`]. Two values are equal
/// only if they are the same allocation.
#[derive(Clone)]
pub struct ResponseBound(Arc<dyn ResponseInfo>);

impl ResponseBound {
    /// Wraps `info`.
    pub fn new(info: Arc<dyn ResponseInfo>) -> Self {
        Self(info)
    }

    /// The complete parameters for a response whose body is `response_body`.
    pub fn finish(&self, response_body: &[u8]) -> AuthParams {
        self.0.finish(response_body)
    }
}

impl PartialEq for ResponseBound {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ResponseBound {}

impl fmt::Debug for ResponseBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value may hold secrets (Digest HA1): nothing of it is printed.
        f.write_str("ResponseBound(..)")
    }
}

/// An HTTP authentication scheme on the server side (RFC 7235 section 2).
///
/// Object-safe: a server holds `Vec<Arc<dyn AuthScheme>>`, offers every scheme's
/// challenges (strongest first), hands each `Authorization` to the scheme it names, and
/// asks the scheme, through the provided methods below, everything else it needs to
/// know. A server never branches on the scheme's name: a hook missing here is added here.
///
/// Implementations are synchronous. [`cost`](Self::cost) tells an asynchronous server
/// where to run [`authenticate`](Self::authenticate).
pub trait AuthScheme: Send + Sync {
    /// The scheme name as sent (`Digest`, `Mutual`, `Basic`).
    fn name(&self) -> &str;

    /// The challenges for a 401/407 response to `request` (RFC 7235 section 4.1), strongest
    /// first. Digest returns one per algorithm, each with a fresh nonce. May be empty for a
    /// scheme that is never challenged for (client certificates): a server must then not
    /// answer 401 on its behalf.
    fn challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge>;

    /// Verifies `credentials` (whose scheme is this scheme's) for `request`.
    fn authenticate(&self, request: &RequestContext<'_>, credentials: &Credentials) -> Outcome;

    /// Authenticates a request that carries no credentials of any scheme, from what the
    /// connection says (a verified client certificate). `None` (the default): this scheme
    /// needs credentials.
    fn authenticate_connection(&self, request: &RequestContext<'_>) -> Option<Outcome> {
        let _ = request;
        None
    }

    /// Where a server should run [`authenticate`](Self::authenticate) for `credentials`.
    /// The default, [`Cost::Cheap`], suits schemes that do microseconds of work in memory.
    fn cost(&self, credentials: &Credentials) -> Cost {
        let _ = credentials;
        Cost::Cheap
    }

    /// The hash functions whose digests of the request body
    /// [`authenticate`](Self::authenticate) needs for `credentials`
    /// ([`RequestContext::body`]; Digest `qop=auth-int`, RFC 7616 section 3.4.3). Empty
    /// (the default): the request is authenticated from its head alone, and a server need
    /// not read the body of an unauthenticated client.
    fn body_hashes(&self, credentials: &Credentials) -> Vec<HashFunction> {
        let _ = credentials;
        Vec::new()
    }

    /// Challenges for `Optional-WWW-Authenticate` (RFC 8053 section 3) on a response served
    /// anonymously at a location where authentication is optional. The default: this
    /// scheme's ordinary challenges.
    fn optional_challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge> {
        self.challenges(request)
    }

    /// True when `failure` (from this scheme, at a location where authentication is
    /// optional) may be answered by serving the request anonymously with optional
    /// challenges instead of 401 (RFC 8053 section 2). The default: never.
    fn may_answer_optionally(&self, failure: &AuthFailure) -> bool {
        let _ = failure;
        false
    }
}

impl<T: AuthScheme + ?Sized> AuthScheme for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge> {
        (**self).challenges(request)
    }
    fn authenticate(&self, request: &RequestContext<'_>, credentials: &Credentials) -> Outcome {
        (**self).authenticate(request, credentials)
    }
    fn authenticate_connection(&self, request: &RequestContext<'_>) -> Option<Outcome> {
        (**self).authenticate_connection(request)
    }
    fn cost(&self, credentials: &Credentials) -> Cost {
        (**self).cost(credentials)
    }
    fn body_hashes(&self, credentials: &Credentials) -> Vec<HashFunction> {
        (**self).body_hashes(credentials)
    }
    fn optional_challenges(&self, request: &RequestContext<'_>) -> Vec<Challenge> {
        (**self).optional_challenges(request)
    }
    fn may_answer_optionally(&self, failure: &AuthFailure) -> bool {
        (**self).may_answer_optionally(failure)
    }
}

/// The header field names and status of one side of RFC 7235: an origin server
/// (section 3.1, 4.1, 4.2; RFC 7615 section 3) or a proxy (sections 3.2, 4.3, 4.4; RFC 7615
/// section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FieldNames {
    /// The status that carries challenges: 401 or 407.
    pub status: u16,
    /// `www-authenticate` or `proxy-authenticate` (lowercase, as HTTP/2 sends it).
    pub challenge: &'static str,
    /// `authorization` or `proxy-authorization`.
    pub credentials: &'static str,
    /// `authentication-info` or `proxy-authentication-info`.
    pub info: &'static str,
}

impl FieldNames {
    /// An origin server: 401, `WWW-Authenticate`, `Authorization`, `Authentication-Info`.
    pub const ORIGIN: FieldNames = FieldNames {
        status: 401,
        challenge: "www-authenticate",
        credentials: "authorization",
        info: "authentication-info",
    };
    /// A proxy: 407, `Proxy-Authenticate`, `Proxy-Authorization`,
    /// `Proxy-Authentication-Info`.
    pub const PROXY: FieldNames = FieldNames {
        status: 407,
        challenge: "proxy-authenticate",
        credentials: "proxy-authorization",
        info: "proxy-authentication-info",
    };

    /// [`PROXY`](Self::PROXY) when `proxy`, else [`ORIGIN`](Self::ORIGIN).
    pub fn for_proxy(proxy: bool) -> FieldNames {
        if proxy { Self::PROXY } else { Self::ORIGIN }
    }
}
