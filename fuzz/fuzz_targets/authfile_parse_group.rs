//! Fuzz target `authfile_parse_group`.
//! The body is in `targets/authfile_parse_group.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/authfile_parse_group.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
