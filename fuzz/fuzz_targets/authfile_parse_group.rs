//! Fuzzes the group parser: never panics, strict and lenient agree, and unedited output is
//! byte-identical to the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strict = authfile::GroupFile::parse(data);
    if let Ok((lenient, problems)) = authfile::GroupFile::parse_lenient(data) {
        assert_eq!(lenient.to_bytes(), data);
        if let Ok(s) = &strict {
            assert!(problems.is_empty());
            assert_eq!(s.to_bytes(), data);
        }
    }
});
