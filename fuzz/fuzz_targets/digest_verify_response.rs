//! Fuzz target `digest_verify_response`.
//! The body is in `targets/digest_verify_response.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/digest_verify_response.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
