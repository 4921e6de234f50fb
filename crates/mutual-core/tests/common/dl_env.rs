//! The environment switches of the discrete-logarithm arithmetic, read on the test side
//! (mutual-core itself reads no environment variable and takes these through `hazmat`):
//!
//! - `MUTUAL_CORE_MODEXP_BACKEND` = `auto` | `portable` | `adx` | `ifma`: the
//!   httpauth-modexp backend of the DL groups (one the CPU lacks falls back to `auto`);
//! - `MUTUAL_CORE_DL_SERVER_PATH` = `sequential` | `batched`: the server formulation of
//!   RFC 8121 section 3.2.
//!
//! The groups are process-wide and built on first use, so [`apply`] runs before the first
//! DL operation of a test: every DL-reaching helper of these tests calls it first.

use mutual_core::hazmat::{self, Backend, DlServerPath};

/// Applies the switches once per process; panics if one is unknown or comes too late.
pub(crate) fn apply() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(name) = std::env::var("MUTUAL_CORE_MODEXP_BACKEND") {
            let backend = Backend::from_name(&name)
                .unwrap_or_else(|| panic!("MUTUAL_CORE_MODEXP_BACKEND={name}: unknown backend"));
            assert!(
                hazmat::set_dl_backend(backend),
                "MUTUAL_CORE_MODEXP_BACKEND applied after the first DL operation"
            );
            eprintln!("DL groups on backend {}", hazmat::dl_backend());
        }
        if let Ok(name) = std::env::var("MUTUAL_CORE_DL_SERVER_PATH") {
            let path = match name.as_str() {
                "sequential" => DlServerPath::Sequential,
                "batched" => DlServerPath::Batched,
                _ => panic!("MUTUAL_CORE_DL_SERVER_PATH={name}: unknown formulation"),
            };
            assert!(
                hazmat::set_dl_server_path(path),
                "MUTUAL_CORE_DL_SERVER_PATH applied after the first DL server exchange"
            );
        }
    });
}
