//! The axum extractor for the authenticated principal (feature `axum`).
//!
//! ```
//! use httpauth::extract::Authenticated;
//!
//! async fn hello(Authenticated(p): Authenticated) -> String {
//!     format!("hello, {}\n", p.user)
//! }
//! ```
//!
//! A handler behind an [`AuthLayer`](crate::layer::AuthLayer) whose guard demands a user
//! always finds one. Where the guard let a request through without a user (an optional
//! location, `Require all granted`, `Satisfy any` granted by the host), the rejection is
//! what the guard would have answered: 401 (407) with fresh challenges of every scheme, or
//! 403 when no scheme can be challenged for; never a 401 without `WWW-Authenticate`
//! (RFC 7235 section 3.1). Without the layer in front there is nobody to ask for
//! credentials: 500, and an error in the log.

use crate::guard::ResponseHead;
use crate::layer::ChallengeSource;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use httpauth_core::Principal;
use std::convert::Infallible;

/// The principal the [`AuthLayer`](crate::layer::AuthLayer) authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub Principal);

/// Why [`Authenticated`] was not extracted: the response asking for credentials.
#[derive(Debug, Clone)]
pub struct AuthRejection {
    head: ResponseHead,
}

impl AuthRejection {
    /// The status and header fields of the rejection.
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }

    fn for_parts(parts: &Parts) -> Self {
        let head = match parts.extensions.get::<ChallengeSource>() {
            Some(source) => source.challenge_head(parts),
            None => {
                tracing::error!(
                    "Authenticated extractor used on a route without httpauth::layer::AuthLayer: 500"
                );
                ResponseHead {
                    status: Some(500),
                    headers: Vec::new(),
                }
            }
        };
        Self { head }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let status = self.head.status.unwrap_or(500);
        let (p, b) = crate::layer::answer(status, self.head.headers).into_parts();
        Response::from_parts(p, axum::body::Body::new(b))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthRejection> {
        match parts.extensions.get::<Principal>() {
            Some(p) => Ok(Authenticated(p.clone())),
            None => Err(AuthRejection::for_parts(parts)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Authenticated))
    }
}
