//! Fuzzes request-path normalisation (`httpauth::path::NormalizedPath::parse`, issue 13:
//! the one path that chooses the location, feeds `Require expr` and is forwarded
//! upstream). Never panics; an accepted path starts with `/`, has no empty, `.` or `..`
//! segment; and its re-encoded form (what a proxy sends) normalises to the same path, so
//! an upstream that normalises again reaches exactly the resource that was authorised.
//!
//! The body of fuzz target `path_normalize`: `fuzz_targets/path_normalize.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth::path::{
    MAX_TARGET_LEN, NormalizedPath, PathError, normalize_location, prefix_match_len,
};

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(target) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(n) = NormalizedPath::parse(target) else {
        return;
    };
    let p = n.as_str();
    assert!(p.starts_with('/'), "{p:?}");
    let inner = p[1..].strip_suffix('/').unwrap_or(&p[1..]);
    if !inner.is_empty() {
        for seg in inner.split('/') {
            assert!(
                !seg.is_empty() && seg != "." && seg != "..",
                "{target:?} -> {p:?}"
            );
        }
    }
    let encoded = n.to_encoded();
    assert!(encoded.is_ascii());
    // Re-encoding can triple a path's length (`<` is `%3C`): past the limit it is
    // refused as too long, like any other long target.
    if encoded.len() > MAX_TARGET_LEN {
        assert!(matches!(
            NormalizedPath::parse(&encoded),
            Err(PathError::TooLong)
        ));
        return;
    }
    let again = NormalizedPath::parse(&encoded).expect("the re-encoded path parses");
    assert_eq!(again.as_str(), p, "{target:?} -> {encoded:?}");
    assert_eq!(again.to_encoded(), encoded);
    // A location written like the target covers it.
    if n.query().is_none()
        && let Ok(loc) = normalize_location(target)
    {
        assert!(
            prefix_match_len(&loc, p).is_some(),
            "{target:?}: {loc:?} vs {p:?}"
        );
    }
}
