//! RFC 8053 `Authentication-Control` and `Optional-WWW-Authenticate`, and RFC 8187
//! ext-values on their own: no panic; parse ok => format => parse gives the same structure.
//!
//! The body of fuzz target `headers_parse_auth_control`: `fuzz_targets/headers_parse_auth_control.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth_headers::{FieldName, parse_field};

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(es) = httpauth_headers::parse_authentication_control(s) {
        let text = httpauth_headers::format_authentication_control(&es);
        // Formatting may add separators; the invariant holds below the length limit.
        if text.len() > httpauth_headers::MAX_FIELD_LEN {
            return;
        }
        let again = httpauth_headers::parse_authentication_control(&text)
            .unwrap_or_else(|e| panic!("{s:?} formatted as {text:?} does not parse: {e}"));
        assert_eq!(again, es, "{s:?} -> {text:?}");
    }
    if let Ok(f) = parse_field(FieldName::OptionalWwwAuthenticate, s) {
        let text = f.format();
        if text.len() <= httpauth_headers::MAX_FIELD_LEN {
            assert_eq!(
                parse_field(FieldName::OptionalWwwAuthenticate, &text).unwrap(),
                f
            );
        }
    }
    if let Ok((text, _lang)) = httpauth_headers::decode_ext_value(s) {
        let enc = httpauth_headers::encode_ext_value(&text);
        assert_eq!(httpauth_headers::decode_ext_value(&enc).unwrap().0, text);
    }
}
