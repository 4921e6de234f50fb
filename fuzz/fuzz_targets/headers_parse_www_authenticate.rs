//! Fuzz target `headers_parse_www_authenticate`.
//! The body is in `targets/headers_parse_www_authenticate.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/headers_parse_www_authenticate.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
