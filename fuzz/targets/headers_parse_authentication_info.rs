//! `Authentication-Info` / `Proxy-Authentication-Info` (with the RFC 8120 legacy form):
//! no panic; parse ok => format (RFC 7615 syntax) => parse gives the same structure.
//!
//! The body of fuzz target `headers_parse_authentication_info`: `fuzz_targets/headers_parse_authentication_info.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let owned = httpauth_headers::parse_authentication_info(s);
    let borrowed = httpauth_headers::parse_authentication_info_ref(s);
    assert_eq!(owned.is_ok(), borrowed.is_ok(), "{s:?}");
    let Ok(ps) = owned else { return };
    assert_eq!(borrowed.unwrap().to_auth_params().unwrap(), ps);
    let text = httpauth_headers::format_authentication_info(&ps);
    // Formatting may add separators (`a=b,c=d` becomes `a=b, c=d`), so a value near the
    // length limit can format longer than the limit; the invariant holds below it.
    if text.len() > httpauth_headers::MAX_FIELD_LEN {
        return;
    }
    let again = httpauth_headers::parse_authentication_info(&text)
        .unwrap_or_else(|e| panic!("{s:?} formatted as {text:?} does not parse: {e}"));
    assert_eq!(again, ps, "{s:?} -> {text:?}");
    // The RFC 8120 section 2.2 drawing parses to the same list.
    if !ps.is_empty() && text.len() + 7 <= httpauth_headers::MAX_FIELD_LEN {
        assert_eq!(
            httpauth_headers::parse_authentication_info(&format!("Mutual {text}")).unwrap(),
            ps
        );
    }
}
