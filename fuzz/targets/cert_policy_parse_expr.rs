//! Fuzz the `ap_expr` parser in both dialects: no panic, and a parsed expression printed and
//! parsed again is equal (the canonical printer round trip).
//!
//! The body of fuzz target `cert_policy_parse_expr`: `fuzz_targets/cert_policy_parse_expr.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use cert_policy::{Dialect, Expr};

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    for d in [Dialect::RequireExpr, Dialect::SslRequire] {
        if let Ok(e) = Expr::parse(text, d) {
            let printed = e.to_string();
            let again = Expr::parse(&printed, d)
                .unwrap_or_else(|err| panic!("printed form {printed:?} does not parse: {err}"));
            assert_eq!(e, again, "round trip changed {text:?} -> {printed:?}");
            let _ = e.warnings();
        }
    }
}
