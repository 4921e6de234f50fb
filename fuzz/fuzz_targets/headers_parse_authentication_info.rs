//! Fuzz target `headers_parse_authentication_info`.
//! The body is in `targets/headers_parse_authentication_info.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/headers_parse_authentication_info.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
