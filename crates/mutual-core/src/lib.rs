#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// No `unsafe` here: the intrinsics and `asm!` of the DL arithmetic live in the
// `httpauth-modexp` crate, the one crate of the workspace that needs them.
#![forbid(unsafe_code)]

mod algorithm;
pub mod client;
mod dl;
mod ec;
pub mod encoding;
mod error;
pub mod extension;
pub mod hazmat;
pub mod kam3;
pub mod messages;
mod midstate;
mod pbkdf2_fast;
pub mod prep;
pub mod scope;
pub mod server;

pub use algorithm::{
    ALL_ALGORITHMS, Algorithm, AlgorithmId, AlgorithmSpec, DEFAULT_ALGORITHMS, MutualGroup,
    MutualHash, WireEncoding, algorithm_by_token,
};
pub use dl::{IsoKam3Dl2048Sha256, IsoKam3Dl4096Sha512, rfc3526_prime};
pub use ec::{IsoKam3EcP256Sha256, IsoKam3EcP521Sha512};
pub use error::Error;
pub use httpauth_core::{Password, SecretBytes};
pub use kam3::{ClientKex, SessionKeys, derive_verifier};
