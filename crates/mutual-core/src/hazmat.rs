//! Low-level entry points that take secrets the protocol would otherwise choose itself, and
//! process-wide switches of the arithmetic: for test vectors, differential tests,
//! benchmarks and fuzzing. **Not for protocol use.**
//!
//! <div class="warning">
//!
//! A fixed ephemeral secret (S_c1, S_s1) used twice reveals the password-derived value to
//! anyone who sees both exchanges, and PBKDF2 over an unprepared password derives a pi no
//! peer will agree on. The protocol engines ([`crate::client`], [`crate::server`]) and
//! [`crate::kam3::pi`] draw and prepare these values themselves; use them.
//!
//! </div>
//!
//! - [`client_kex_with_secret`] and [`server_exchange_with_secret`]: a key exchange with a
//!   given S_c1 / S_s1 (RFC 8121 section 3), as the independent test vectors need;
//! - [`pbkdf2_hmac_sha256`] and [`pbkdf2_hmac_sha512`]: the PBKDF2 core under pi
//!   (RFC 8120 section 12.2) on plain byte strings;
//! - [`set_dl_backend`] and [`set_dl_server_path`]: which `httpauth-modexp` backend and
//!   which RFC 8121 section 3.2 formulation the discrete-logarithm algorithms use, so tests
//!   and benchmarks can run every path. The library reads no environment variable: a test
//!   or benchmark that wants an environment switch reads it and calls these.

use crate::kam3::{ClientKex, SessionKeys};
use crate::{Algorithm, Error};
use httpauth_core::SecretBytes;

pub use crate::dl::ServerPath as DlServerPath;
pub use crate::pbkdf2_fast::{pbkdf2_hmac_sha256, pbkdf2_hmac_sha512};
pub use httpauth_modexp::Backend;

/// Starts a client exchange with a given S_c1 instead of a fresh random one
/// ([`ClientKex::new`]): test vectors and benchmarks only.
///
/// # Errors
/// [`Error::InvalidSecret`] if S_c1 is outside `[min, r-1]` (RFC 8121 section 3.2, 3.3).
pub fn client_kex_with_secret(
    algorithm: &'static dyn Algorithm,
    s_c1: SecretBytes,
) -> Result<ClientKex, Error> {
    ClientKex::with_secret(algorithm, s_c1)
}

/// The server's side of a key exchange ([`crate::kam3::server_exchange`]) with a given
/// S_s1 instead of a fresh random one: test vectors and benchmarks only.
///
/// # Errors
/// As [`crate::kam3::server_exchange`], and [`Error::InvalidSecret`] if S_s1 is outside
/// `[1, r-1]`.
pub fn server_exchange_with_secret(
    algorithm: &dyn Algorithm,
    j: &SecretBytes,
    kc1: &[u8],
    s_s1: SecretBytes,
) -> Result<SessionKeys, Error> {
    crate::kam3::server_exchange_inner(algorithm, j, kc1, Some(s_s1))
}

/// Sets the `httpauth-modexp` backend of the discrete-logarithm groups for this process
/// ([`Backend::Auto`], CPU detection, is the default). The groups are built on first use,
/// so this takes effect only if called before the first DL operation; a backend this CPU
/// cannot run falls back to [`Backend::Auto`]. Returns whether `backend` is now the
/// configured one (`false`: the groups were already configured otherwise).
pub fn set_dl_backend(backend: Backend) -> bool {
    crate::dl::set_backend(backend)
}

/// The backend the 2048-bit DL group actually runs on (after any fallback): tests use it
/// to report which path they exercised.
#[must_use]
pub fn dl_backend() -> Backend {
    crate::dl::group_2048().mod_q.backend()
}

/// Forces one formulation of the DL server's K_s1 and z computation for this process
/// (both give the same values; by default the faster for the backend is chosen). Takes
/// effect only if called before the first DL server exchange; returns whether `path` is
/// now the configured one.
pub fn set_dl_server_path(path: DlServerPath) -> bool {
    crate::dl::set_server_path(path)
}
