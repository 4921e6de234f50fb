//! Fuzz target `demo_config`.
//! The body is in `targets/demo_config.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/demo_config.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
