//! Fuzz target `client_exchange`.
//! The body is in `targets/client_exchange.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/client_exchange.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
