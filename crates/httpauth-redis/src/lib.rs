#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod scripts;
mod seal;
mod store;

pub use seal::{KeyRing, SealingKey};
pub use store::{RedisStore, RedisStoreConfig};

/// Why a [`RedisStore`] or a [`KeyRing`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An unusable URL, TLS certificate or key, or other configuration.
    #[error("redis store configuration: {0}")]
    Config(String),
    /// The store's runtime threads could not start.
    #[error("redis store runtime: {0}")]
    Runtime(String),
    /// A key file entry is malformed (`line` 0: the file as a whole).
    #[error("key file line {line}: {message}")]
    KeyFile {
        /// 1-based line number, or 0 for the file as a whole.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The operating system gave no randomness.
    #[error("no randomness available from the operating system")]
    Random,
}
