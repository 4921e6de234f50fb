//! Fuzz target `mutual_server_step`.
//! The body is in `targets/mutual_server_step.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/mutual_server_step.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
