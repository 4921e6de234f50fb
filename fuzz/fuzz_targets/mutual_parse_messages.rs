//! Fuzz target `mutual_parse_messages`.
//! The body is in `targets/mutual_parse_messages.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/mutual_parse_messages.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
