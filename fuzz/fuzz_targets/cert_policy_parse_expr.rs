//! Fuzz the `ap_expr` parser in both dialects: no panic, and a parsed expression printed and
//! parsed again is equal (the canonical printer round trip).
#![no_main]

use cert_policy::{Dialect, Expr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
