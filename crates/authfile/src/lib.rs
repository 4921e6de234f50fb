#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod cache;
mod doc;
mod error;
mod group;
mod hash;
mod htdigest;
mod htmutual;
mod htpasswd;
mod text;
mod update;

pub use cache::{FileCache, FileEvent, Reporter};
pub use doc::ParseMode;
pub use error::{Error, LineError, NameError};
pub use group::{GroupFile, validate_group};
pub use hash::{
    BCRYPT_MAX_PASSWORD_LEN, BcryptVariant, DEFAULT_BCRYPT_COST, DEFAULT_MAX_VERIFY_BCRYPT_COST,
    DEFAULT_MAX_VERIFY_SHA_ROUNDS, DEFAULT_SHA_ROUNDS, DES_CRYPT_FEATURE, DES_MAX_PASSWORD_LEN,
    HashAlgorithm, HashFormat, MAX_BCRYPT_COST, MAX_SHA_ROUNDS, MIN_BCRYPT_COST, MIN_SHA_ROUNDS,
    VerifyPolicy, hash_password, hash_password_with_salt, md5_crypt_with_salt, verify_hash,
};
pub use htdigest::{DigestHash, HtdigestFile, digest_ha1, digest_userhash, validate_realm};
pub use htmutual::{DeriveError, HTMUTUAL_VERSION, HtmutualFile, MutualKey, VerifierDeriver};
pub use htpasswd::{
    Change, EntryInfo, HtpasswdFile, LoadWarning, Verdict, validate_user, work_estimate,
    work_estimate_for_password,
};
pub use httpauth_core::{Password, SecretBytes};
pub use text::LineEnding;
pub use update::{
    CreateMode, DEFAULT_NEW_FILE_MODE, MAX_LOCK_ATTEMPTS, update_file, update_file_with_mode,
};

/// The largest file this crate reads (64 MiB); larger files are refused, not truncated.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;
/// The most lines a file may have.
pub const MAX_LINES: usize = 2_000_000;
/// The longest line, in bytes without its terminator. Apache reads these files with
/// `ap_cfg_getline` into an 8192-byte buffer (`MAX_STRING_LEN` in `mod_authn_file`), so
/// longer lines would be cut there.
pub const MAX_LINE_LEN: usize = 8190;
/// The longest user name, realm or group name written (Apache's tools: 255).
pub const MAX_NAME_LEN: usize = 255;
/// The longest auth-scope written to an htmutual file.
pub const MAX_AUTH_SCOPE_LEN: usize = 1024;
/// The longest password accepted for hashing (Apache's tools: 255).
pub const MAX_PASSWORD_LEN: usize = 255;
/// The longest password verified, in bytes; a longer one is refused before any hash work,
/// for known and unknown users alike.
///
/// Why 1024: MD5-crypt and SHA-crypt hash the whole password in every round, so their cost
/// grows with its length (measured, SHA-512-crypt at 5000 rounds: 16 bytes 2.0 ms, 255
/// bytes 6.2 ms, 1024 bytes 20 ms, 11 KB 0.97 s; apr1: 0.2 ms, 0.9 ms, 3.3 ms, 105 ms).
/// 1024 bytes is four times what Apache's tools accept ([`MAX_PASSWORD_LEN`]) and far above
/// any typed or generated password (password managers produce 20-128 characters), and it
/// bounds one request to about ten times a normal verification instead of hundreds.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks that `name` can be written to a file: 1-[`MAX_NAME_LEN`] bytes, none of
/// `forbidden`, no control characters, no leading `#` and no surrounding white space
/// (Apache would strip it when reading).
pub(crate) fn validate_name(
    what: &'static str,
    name: &str,
    forbidden: &[char],
) -> Result<(), Error> {
    validate_name_len(what, name, forbidden, MAX_NAME_LEN)
}

pub(crate) fn validate_name_len(
    what: &'static str,
    name: &str,
    forbidden: &[char],
    limit: usize,
) -> Result<(), Error> {
    let reason = if name.is_empty() {
        Some(NameError::Empty)
    } else if name.len() > limit {
        Some(NameError::TooLong { limit })
    } else if let Some(c) = name.chars().find(|c| forbidden.contains(c)) {
        Some(NameError::Forbidden(c))
    } else if name.chars().any(char::is_control) {
        Some(NameError::Control)
    } else if name.starts_with('#') || text::apache_trim(name) != name {
        Some(NameError::Ambiguous)
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidName { what, reason }),
        None => Ok(()),
    }
}

/// Reads a whole file, refusing more than [`MAX_FILE_SIZE`] bytes.
pub(crate) fn read_limited(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_limited_from(f, path)
}

pub(crate) fn read_limited_from(
    f: impl std::io::Read,
    path: &std::path::Path,
) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut buf = Vec::new();
    f.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > MAX_FILE_SIZE {
        return Err(Error::FileTooLarge {
            limit: MAX_FILE_SIZE,
        });
    }
    Ok(buf)
}
