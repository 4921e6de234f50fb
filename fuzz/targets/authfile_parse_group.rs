//! Fuzzes the group parser: never panics, strict and lenient agree, and unedited output is
//! byte-identical to the input.
//!
//! The body of fuzz target `authfile_parse_group`: `fuzz_targets/authfile_parse_group.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let strict = authfile::GroupFile::parse(data);
    if let Ok((lenient, problems)) = authfile::GroupFile::parse_lenient(data) {
        assert_eq!(lenient.to_bytes(), data);
        if let Ok(s) = &strict {
            assert!(problems.is_empty());
            assert_eq!(s.to_bytes(), data);
        }
    }
}
