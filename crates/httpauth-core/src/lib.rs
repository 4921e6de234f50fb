#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod challenge;
mod clock;
mod credential;
mod error;
mod outcome;
mod param;
mod request;
mod scheme;
mod secret;
pub mod store;
pub mod syntax;

pub use challenge::{AuthData, Challenge, Credentials};
pub use clock::{Clock, ManualClock, SystemClock};
pub use credential::{
    CredentialQuery, CredentialStore, GroupStore, PasswordVerifier, StoredCredential,
};
pub use error::Error;
pub use outcome::{AuthFailure, FailureKind, FailureReason, Outcome, Principal};
pub use param::{AuthParam, AuthParams, ParamForm};
pub use request::{
    BodyDigest, ChannelBindings, HashFunction, PeerVerification, RequestContext, TlsInfo,
};
pub use scheme::{AuthScheme, Cost, FieldNames, ResponseBound, ResponseInfo};
pub use secret::{Password, SecretBytes};
pub use store::{CasOutcome, CountCheck, EvictionClass, MemoryStore, SessionStore, StoreEntry};
pub use subtle;
pub use zeroize;
