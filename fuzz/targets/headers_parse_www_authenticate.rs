//! `WWW-Authenticate` / `Proxy-Authenticate` / `Optional-WWW-Authenticate`: no panic;
//! the owned and borrowed parsers agree; parse ok => format => parse gives the same
//! structure, and the multi-line parser agrees with the single-line one.
//!
//! The body of fuzz target `headers_parse_www_authenticate`: `fuzz_targets/headers_parse_www_authenticate.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let owned = httpauth_headers::parse_challenges(s);
    let borrowed = httpauth_headers::parse_challenges_ref(s);
    assert_eq!(owned.is_ok(), borrowed.is_ok(), "{s:?}");
    if let (Err(a), Err(b)) = (&owned, &borrowed) {
        assert_eq!(a, b);
        assert!(a.offset() <= s.len());
    }
    let Ok(cs) = owned else { return };
    for (o, b) in cs.iter().zip(borrowed.unwrap_or_default()) {
        assert_eq!(&b.to_owned_item().unwrap(), o);
    }
    let text = httpauth_headers::format_challenges(&cs);
    // Formatting may add separators (`a=b,c=d` becomes `a=b, c=d`), so a value near the
    // length limit can format longer than the limit; the invariant holds below it.
    if text.len() > httpauth_headers::MAX_FIELD_LEN {
        return;
    }
    let again = httpauth_headers::parse_challenges(&text)
        .unwrap_or_else(|e| panic!("{s:?} formatted as {text:?} does not parse: {e}"));
    assert_eq!(again, cs, "{s:?} -> {text:?}");
    assert_eq!(httpauth_headers::format_challenges(&again), text);
    // Splitting at a top-level ", " into two field lines changes nothing.
    if let Some((a, b)) = text.split_once(", ") {
        if let Ok(lines) = httpauth_headers::parse_challenges_lines([a, b]) {
            assert_eq!(lines, cs);
        }
    }
}
