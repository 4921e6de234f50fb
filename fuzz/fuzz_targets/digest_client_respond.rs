//! Fuzz target `digest_client_respond`.
//! The body is in `targets/digest_client_respond.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/digest_client_respond.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
