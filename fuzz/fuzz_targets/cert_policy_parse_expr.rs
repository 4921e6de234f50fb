//! Fuzz target `cert_policy_parse_expr`.
//! The body is in `targets/cert_policy_parse_expr.rs` (shared with the corpus replay test).
#![no_main]

#[path = "../targets/cert_policy_parse_expr.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
