//! Property tests: printing a parsed expression and parsing it again is stable, and the
//! parser never panics on arbitrary input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::{Context, Dialect, Expr, TlsInfo, TlsVars};
use proptest::prelude::*;

fn word() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "-?[0-9]{1,5}".prop_map(|s| s),
        "[ -~]{0,12}".prop_map(|s| format!(
            "'{}'",
            s.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('%', "\\%")
                .replace('$', "\\$")
        )),
        prop::sample::select(vec![
            "%{SSL_CLIENT_S_DN_CN}",
            "%{SSL_CLIENT_S_DN_OU_1}",
            "%{SSL_CLIENT_VERIFY}",
            "%{REMOTE_ADDR}",
            "%{HTTP:X-Test}",
            "%{SSL_CLIENT_S_DN}",
            "$1",
            "$0",
            "\"a%{SSL_CLIENT_S_DN_O}b$2\"",
        ])
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} . {b}")),
            (
                prop::sample::select(vec![
                    "tolower", "toupper", "md5", "sha1", "base64", "unbase64", "escape", "unescape"
                ]),
                inner
            )
                .prop_map(|(f, w)| format!("{f}({w})")),
        ]
    })
}

fn expr() -> impl Strategy<Value = String> {
    let cmp = prop_oneof![
        (
            word(),
            prop::sample::select(vec![
                "==",
                "!=",
                "<",
                "<=",
                ">",
                ">=",
                "=",
                "eq",
                "ne",
                "lt",
                "le",
                "gt",
                "ge",
                "-eq",
                "-ne",
                "-lt",
                "-le",
                "-gt",
                "-ge",
                "-strmatch",
                "-strcmatch",
                "-fnmatch"
            ]),
            word()
        )
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        (word(), prop::collection::vec(word(), 1..4))
            .prop_map(|(a, l)| format!("{a} in {{{}}}", l.join(", "))),
        (
            word(),
            prop::sample::select(vec!["=~", "!~"]),
            prop::sample::select(vec!["/^a(b|c)$/", "m#x/y#i", "/[0-9]+/", "/(\\w+) (\\w+)/"])
        )
            .prop_map(|(a, op, r)| format!("{a} {op} {r}")),
        (prop::sample::select(vec!["-n", "-z", "-T"]), word())
            .prop_map(|(o, w)| format!("{o} {w}")),
        word().prop_map(|w| format!("{w} -ipmatch '10.0.0.0/8'")),
        Just("true".to_owned()),
        Just("false".to_owned()),
    ];
    cmp.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["&&", "||", "and", "or"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("!({a})")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

proptest! {
    #[test]
    fn print_parse_is_stable(src in expr(), ssl in any::<bool>()) {
        let d = if ssl { Dialect::SslRequire } else { Dialect::RequireExpr };
        let Ok(e) = Expr::parse(&src, d) else { return Ok(()); };
        let printed = e.to_string();
        let again = Expr::parse(&printed, d).unwrap_or_else(|err| panic!("{src:?} printed as {printed:?}: {err}"));
        prop_assert_eq!(&e, &again);
        prop_assert_eq!(printed, again.to_string());
        // Same meaning: evaluation agrees on a fixed context.
        let tls = TlsInfo::default();
        let vars = TlsVars::new(&tls).unwrap();
        let ctx = Context::new(Some(&vars));
        prop_assert_eq!(e.eval(&ctx), again.eval(&ctx));
    }

    #[test]
    fn parser_never_panics(src in "\\PC{0,200}") {
        let _ = Expr::parse(&src, Dialect::RequireExpr);
    }

    #[test]
    fn generated_expressions_mostly_parse(src in expr()) {
        // The generator only builds valid syntax, so a failure is a parser bug, except
        // regexes and subnets never fail here; every string above is valid.
        Expr::parse(&src, Dialect::RequireExpr).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    }
}

/// Fuzz regression (cert_policy_parse_expr): a chain of `!` printed with a parenthesis per
/// `!` nested twice as deep as its source and no longer parsed.
#[test]
fn fuzz_regression_negation_chain_prints_within_the_nesting_limit() {
    let src = format!("{}'DNDN\"Coy$/ *{{[' -in PeerExtList('s')", "!".repeat(37));
    for d in [Dialect::RequireExpr, Dialect::SslRequire] {
        let e = Expr::parse(&src, d).unwrap();
        let printed = e.to_string();
        assert_eq!(Expr::parse(&printed, d).unwrap(), e, "{printed}");
    }
    // At the limit: 63 negations of a term parse, and so does their printed form.
    let deep = format!("{}true", "!".repeat(63));
    let e = Expr::parse(&deep, Dialect::RequireExpr).unwrap();
    assert_eq!(
        Expr::parse(&e.to_string(), Dialect::RequireExpr).unwrap(),
        e
    );
    // Negated conjunctions keep their parentheses.
    let e = Expr::parse("!(true && false) || !-z 'x'", Dialect::RequireExpr).unwrap();
    assert_eq!(e.to_string(), r#"!(true && false) || !-z "x""#);
}
