#![doc = include_str!("../README.md")]
// `unsafe` is denied everywhere except `modexp::arch` (CPU-feature-gated intrinsics),
// whose soundness argument is written there and in docs/modexp.md.
#![deny(unsafe_code)]

mod algorithm;
pub mod client;
mod dl;
mod ec;
pub mod encoding;
mod error;
pub mod extension;
pub mod kam3;
pub mod messages;
pub mod modexp;
pub mod pbkdf2_fast;
pub mod prep;
pub mod scope;
pub mod server;

pub use algorithm::{
    ALL_ALGORITHMS, Algorithm, DEFAULT_ALGORITHMS, WireEncoding, algorithm_by_token,
};
pub use dl::{IsoKam3Dl2048Sha256, IsoKam3Dl4096Sha512, rfc3526_prime};
pub use ec::{IsoKam3EcP256Sha256, IsoKam3EcP521Sha512};
pub use error::Error;
pub use httpauth_core::{Password, SecretBytes};
pub use kam3::{ClientKex, SessionKeys, derive_verifier};
