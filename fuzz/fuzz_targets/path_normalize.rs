//! Fuzz target `path_normalize`.
//! The body is in `targets/path_normalize.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/path_normalize.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
