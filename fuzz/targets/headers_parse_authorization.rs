//! `Authorization` / `Proxy-Authorization`: no panic; parse ok => format => parse gives
//! the same structure; Basic decoding never panics and re-encodes to the same token68.
//!
//! The body of fuzz target `headers_parse_authorization`: `fuzz_targets/headers_parse_authorization.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let owned = httpauth_headers::parse_credentials(s);
    let borrowed = httpauth_headers::parse_credentials_ref(s);
    assert_eq!(owned.is_ok(), borrowed.is_ok(), "{s:?}");
    let Ok(c) = owned else { return };
    assert_eq!(borrowed.unwrap().to_owned_item().unwrap(), c);
    let text = httpauth_headers::format_credentials(&c);
    // Formatting may add separators (`a=b,c=d` becomes `a=b, c=d`), so a value near the
    // length limit can format longer than the limit; the invariant holds below it.
    if text.len() > httpauth_headers::MAX_FIELD_LEN {
        return;
    }
    let again = httpauth_headers::parse_credentials(&text)
        .unwrap_or_else(|e| panic!("{s:?} formatted as {text:?} does not parse: {e}"));
    assert_eq!(again, c, "{s:?} -> {text:?}");
    if let Ok((user, password)) = httpauth_headers::basic::decode(&c) {
        let t = httpauth_headers::basic::encode_token68(&user, password.expose_secret()).unwrap();
        assert_eq!(Some(t.as_str()), c.token68());
    }
}
