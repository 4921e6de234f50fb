//! Fuzz target `mutual_client_step`.
//! The body is in `targets/mutual_client_step.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/mutual_client_step.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
