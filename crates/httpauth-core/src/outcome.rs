//! Principals, outcomes and the one opaque failure.

use crate::{AuthParams, Challenge, ResponseBound};
use core::fmt;

/// Who was authenticated, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Principal {
    /// The user name as the credential store knows it.
    pub user: String,
    /// The scheme that authenticated the user (`Basic`, `Digest`, `Mutual`, `Certificate`).
    pub scheme: String,
    /// The realm, when the scheme has one.
    pub realm: Option<String>,
}

impl Principal {
    /// A principal.
    pub fn new(user: impl Into<String>, scheme: impl Into<String>, realm: Option<String>) -> Self {
        Self {
            user: user.into(),
            scheme: scheme.into(),
            realm,
        }
    }
}

/// What the peer may learn about a failure: the HTTP status class and whether it is worth
/// retrying with fresh challenge parameters. Nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// 401 / 407 with fresh challenges.
    Unauthorized,
    /// 401 / 407 whose challenge says the credentials were right but the nonce or session
    /// is no longer valid (Digest `stale=true`, Mutual 401-STALE).
    Stale,
    /// 400: the credentials are malformed or contradict the request (RFC 7616 section 3.4.6:
    /// `uri` does not match the request-target).
    BadRequest,
    /// 503: a store needed to decide is unavailable. Authentication fails closed.
    Unavailable,
    /// 403: the credentials are refused outright, and other credentials on the same
    /// request would not help (mod_ssl's answer to a FakeBasicAuth spoof).
    Forbidden,
}

/// Why authentication failed, for the server's log only. Never sent to the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureReason {
    /// No credentials for this scheme were presented.
    NoCredentials,
    /// The credentials could not be parsed or lacked required parameters.
    Malformed,
    /// The user is not known to the credential store.
    UnknownUser,
    /// The password, response or verifier did not match.
    BadCredentials,
    /// The nonce was forged, foreign or malformed.
    BadNonce,
    /// The nonce or session expired.
    Expired,
    /// A nonce count or session counter was replayed or fell outside the window.
    Replay,
    /// Realm, algorithm, auth-scope or validation did not match the server's.
    Mismatch,
    /// The request URI in the credentials differs from the request-target.
    UriMismatch,
    /// The session is unknown, rejected, or in the wrong state.
    BadSession,
    /// A public value from the peer failed validation (RFC 8121 section 3).
    InvalidKey,
    /// An option the server does not allow (RFC 2069 mode, plaintext, an algorithm).
    Disallowed,
    /// A store failed.
    Store,
    /// The certificate or policy check failed.
    Policy,
}

impl FailureReason {
    /// A short lowercase label for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::NoCredentials => "no credentials",
            FailureReason::Malformed => "malformed credentials",
            FailureReason::UnknownUser => "unknown user",
            FailureReason::BadCredentials => "credentials do not match",
            FailureReason::BadNonce => "bad nonce",
            FailureReason::Expired => "expired",
            FailureReason::Replay => "replayed or out-of-window count",
            FailureReason::Mismatch => "parameter mismatch",
            FailureReason::UriMismatch => "uri does not match request-target",
            FailureReason::BadSession => "bad session",
            FailureReason::InvalidKey => "invalid public key value",
            FailureReason::Disallowed => "disallowed option",
            FailureReason::Store => "store failure",
            FailureReason::Policy => "policy denied",
        }
    }
}

/// The one opaque authentication failure.
///
/// `Display` says "authentication failed" whatever happened; [`kind`](Self::kind) is what
/// the peer may learn; [`reason`](Self::reason) is for the server's log. `challenges`, when
/// not empty, replace the scheme's default challenges in the 401/407 response (a Digest
/// challenge with `stale=true`, a Mutual 401-INIT with a `reason`).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthFailure {
    kind: FailureKind,
    reason: FailureReason,
    challenges: Vec<Challenge>,
}

impl AuthFailure {
    /// A failure of `kind`, logged as `reason`, answered with the scheme's default challenges.
    pub fn new(kind: FailureKind, reason: FailureReason) -> Self {
        Self {
            kind,
            reason,
            challenges: Vec::new(),
        }
    }

    /// A plain 401 failure.
    pub fn unauthorized(reason: FailureReason) -> Self {
        Self::new(FailureKind::Unauthorized, reason)
    }

    /// Answers with these challenges instead of the scheme's defaults.
    pub fn with_challenges(mut self, challenges: Vec<Challenge>) -> Self {
        self.challenges = challenges;
        self
    }

    /// What the peer may learn.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// Why it failed; for logs only.
    pub fn reason(&self) -> FailureReason {
        self.reason
    }

    /// Challenges to send instead of the defaults (empty: use the scheme's defaults).
    pub fn challenges(&self) -> &[Challenge] {
        &self.challenges
    }

    /// The HTTP status for this failure: the single place where failures map to statuses
    /// (RFC 7235 sections 3.1 and 3.2; RFC 7616 section 3.4.6 for 400).
    pub fn http_status(&self, proxy: bool) -> u16 {
        match self.kind {
            FailureKind::Unauthorized | FailureKind::Stale if proxy => 407,
            FailureKind::Unauthorized | FailureKind::Stale => 401,
            FailureKind::BadRequest => 400,
            FailureKind::Unavailable => 503,
            FailureKind::Forbidden => 403,
        }
    }
}

impl fmt::Debug for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFailure")
            .field("kind", &self.kind)
            .field("reason", &self.reason)
            .field("challenges", &self.challenges.len())
            .finish()
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed")
    }
}

impl std::error::Error for AuthFailure {}

/// The result of presenting credentials to a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The request is authenticated.
    Authenticated {
        /// Who.
        principal: Principal,
        /// Parameters for the `Authentication-Info` (or `Proxy-Authentication-Info`) field
        /// (RFC 7615), e.g. Digest `rspauth` or Mutual `vks`. Empty when none.
        info: AuthParams,
        /// `Authentication-Info` that covers the response and replaces `info` once the
        /// response body is known (Digest `qop=auth-int`, RFC 7616 section 3.5).
        response: Option<ResponseBound>,
    },
    /// The exchange continues: answer 401/407 with these challenges. Not a failure of the
    /// user (Mutual's 401-KEX-S1, RFC 8120 section 4.3).
    Continue {
        /// The challenges to send.
        challenges: Vec<Challenge>,
    },
    /// Authentication failed.
    Failed(AuthFailure),
}

impl Outcome {
    /// Authenticated as `principal`, with `Authentication-Info` parameters `info`.
    pub fn authenticated(principal: Principal, info: AuthParams) -> Self {
        Outcome::Authenticated {
            principal,
            info,
            response: None,
        }
    }

    /// The principal, if authenticated.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Outcome::Authenticated { principal, .. } => Some(principal),
            _ => None,
        }
    }

    /// True if authenticated.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, Outcome::Authenticated { .. })
    }
}

impl From<AuthFailure> for Outcome {
    fn from(f: AuthFailure) -> Self {
        Outcome::Failed(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_is_opaque_and_maps_to_status() {
        let f = AuthFailure::unauthorized(FailureReason::UnknownUser);
        assert_eq!(f.to_string(), "authentication failed");
        assert_eq!(f.http_status(false), 401);
        assert_eq!(f.http_status(true), 407);
        assert_eq!(
            AuthFailure::new(FailureKind::BadRequest, FailureReason::UriMismatch).http_status(true),
            400
        );
        assert_eq!(
            AuthFailure::new(FailureKind::Unavailable, FailureReason::Store).http_status(false),
            503
        );
        assert_eq!(f.reason().as_str(), "unknown user");
    }
}
