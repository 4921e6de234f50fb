//! A corpus of tricky inputs: several challenges, commas and escaped quotes inside quoted
//! strings, token68 ending in `=`, leading/trailing/empty list elements, unterminated
//! quotes, control characters, non-ASCII, limits. Each case gives the expected structure
//! (in a compact notation) or the expected error kind and byte offset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use httpauth_core::{AuthData, Challenge, ParamForm};
use httpauth_headers::{
    MAX_CHALLENGES, MAX_FIELD_LEN, MAX_LINES, MAX_PARAMS, ParseErrorKind as K,
    parse_authentication_info, parse_challenges, parse_challenges_lines, parse_credentials,
};

/// `Scheme{name=value/T, ...}` or `Scheme[token68]`; forms T(oken), Q(uoted), E(xtended).
fn show(scheme: &str, data: &AuthData) -> String {
    match data {
        AuthData::Token68(t) => format!("{scheme}[{t}]"),
        AuthData::Params(ps) => {
            let ps: Vec<String> = ps
                .iter()
                .map(|p| {
                    let f = match p.form() {
                        ParamForm::Token => "T",
                        ParamForm::Quoted => "Q",
                        ParamForm::Extended => "E",
                        _ => "?",
                    };
                    format!("{}={}/{f}", p.name(), p.value())
                })
                .collect();
            format!("{scheme}{{{}}}", ps.join(","))
        }
    }
}

fn show_all(cs: &[Challenge]) -> String {
    cs.iter()
        .map(|c| show(c.scheme(), c.data()))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[track_caller]
fn ok(input: &str, want: &str) {
    match parse_challenges(input) {
        Ok(cs) => assert_eq!(show_all(&cs), want, "input {input:?}"),
        Err(e) => panic!("input {input:?}: unexpected error {e}"),
    }
}

#[track_caller]
fn err(input: &str, kind: K, offset: usize) {
    match parse_challenges(input) {
        Ok(cs) => panic!("input {input:?}: expected {kind}, got {}", show_all(&cs)),
        Err(e) => assert_eq!(
            (e.kind(), e.offset()),
            (&kind, offset),
            "input {input:?}: {e}"
        ),
    }
}

#[test]
fn several_challenges() {
    ok(
        r#"Basic realm="a", Digest realm="b""#,
        "Basic{realm=a/Q} | Digest{realm=b/Q}",
    );
    ok("Basic, Digest", "Basic{} | Digest{}");
    ok("A b=c, d, e f", "A{b=c/T} | d{} | e[f]");
    ok(
        r#"Digest realm="x",nonce="y",Basic realm=z"#,
        "Digest{realm=x/Q,nonce=y/Q} | Basic{realm=z/T}",
    );
    ok(
        r#"Basic realm="x" , Digest realm="y""#,
        "Basic{realm=x/Q} | Digest{realm=y/Q}",
    );
}

#[test]
fn commas_and_escapes_inside_quoted_strings() {
    ok(
        r#"Basic realm="a,b", Digest realm="c, d=e""#,
        "Basic{realm=a,b/Q} | Digest{realm=c, d=e/Q}",
    );
    ok(r#"Basic realm="a\"b\\c""#, r#"Basic{realm=a"b\c/Q}"#);
    ok(r#"Basic realm="\\""#, r"Basic{realm=\/Q}");
    ok(r#"Basic realm="\a\,""#, "Basic{realm=a,/Q}");
    ok(r#"Basic realm="""#, "Basic{realm=/Q}");
    ok("Basic realm=\"tab\there\"", "Basic{realm=tab\there/Q}");
    ok("Basic realm=\"\\\u{e9}\"", "Basic{realm=\u{e9}/Q}");
}

#[test]
fn token68_forms() {
    ok(
        "Negotiate YII=, Basic realm=x",
        "Negotiate[YII=] | Basic{realm=x/T}",
    );
    ok("Newauth abc==", "Newauth[abc==]");
    ok("Newauth a/b+c.d_e~f-g=", "Newauth[a/b+c.d_e~f-g=]");
    ok("Newauth abc", "Newauth[abc]");
    ok("Newauth abc=def", "Newauth{abc=def/T}");
    ok("Newauth abc= def", "Newauth{abc=def/T}");
    ok("Newauth abc = def", "Newauth{abc=def/T}");
    err("Newauth abc=, realm=x", K::ParamAfterToken68, 14);
    err("Newauth ab==cd", K::ExpectedValue, 11);
    // `token BWS "="` is a parameter, so this is one without a scheme.
    err("Newauth =abc", K::ParamWithoutScheme, 0);
}

#[test]
fn empty_list_elements() {
    ok(", ,Basic realm=x,, ,", "Basic{realm=x/T}");
    ok("Basic realm=x,", "Basic{realm=x/T}");
    ok("Basic realm=x, , nonce=y", "Basic{realm=x/T,nonce=y/T}");
    ok("  Basic  ", "Basic{}");
    err("", K::Empty, 0);
    err(" , ,, ", K::Empty, 6);
}

#[test]
fn whitespace_rules() {
    ok("Basic  realm=x", "Basic{realm=x/T}");
    ok("Basic realm = \"x\"", "Basic{realm=x/Q}");
    ok("Basic realm\t=\tx", "Basic{realm=x/T}");
    err("Basic\trealm=x", K::ExpectedSpace, 5);
    err("Basic \trealm=x", K::ExpectedSpace, 6);
    err("Basic\"x\"", K::ExpectedSpace, 5);
}

#[test]
fn malformed() {
    err(r#"Basic realm="x"#, K::UnterminatedQuotedString, 12);
    err(r#"Basic realm="x\"#, K::UnterminatedQuotedString, 12);
    err(
        r#"Basic realm="x", Digest realm="y"#,
        K::UnterminatedQuotedString,
        30,
    );
    // `realm=` alone is a token68 (RFC 7235 section 2.1), not a parameter without value.
    ok("Basic realm=", "Basic[realm=]");
    err("Basic a=b, realm=", K::ExpectedValue, 17);
    err("Basic a=b, realm= ,", K::ExpectedValue, 18);
    err("Basic realm=x y", K::ExpectedComma, 14);
    err(r#"Basic realm="x"garbage"#, K::ExpectedComma, 15);
    err(r#"Basic "x""#, K::ExpectedToken, 6);
    err(r#"realm="x""#, K::ParamWithoutScheme, 0);
    err(r#", realm="x", Basic"#, K::ParamWithoutScheme, 2);
    err(
        "Basic realm=x, realm=y",
        K::DuplicateParameter("realm".into()),
        15,
    );
    err(
        "Basic realm=x, REALM=y",
        K::DuplicateParameter("REALM".into()),
        15,
    );
    err(
        "Basic realm=x, realm*=UTF-8''y",
        K::DuplicateParameter("realm".into()),
        15,
    );
    err("Basic realm=(x)", K::ExpectedValue, 12);
    err("Basic re@lm=x", K::ExpectedEquals, 8);
}

#[test]
fn control_characters() {
    err("Basic realm=\"a\u{1}b\"", K::InvalidCharacter, 14);
    err("Basic realm=\"a\u{7f}b\"", K::InvalidCharacter, 14);
    err("Basic realm=\"a\u{0}b\"", K::InvalidCharacter, 14);
    err("Basic realm=\"a\\\nb\"", K::InvalidQuotedPair, 14);
    err("Basic realm=x\r\n", K::InvalidCharacter, 13);
    err("Basic realm=x\n, Digest", K::InvalidCharacter, 13);
    err("Ba\u{0}sic", K::InvalidCharacter, 2);
    err("\u{1b}[31mBasic", K::InvalidCharacter, 0);
    // A decoded ext-value may carry any text, control characters included; it stays
    // percent-encoded whenever it is written again.
    ok("Foo t*=UTF-8''a%0Ab", "Foo{t=a\nb/E}");
}

#[test]
fn non_ascii() {
    ok("Basic realm=\"Z\u{fc}rich\"", "Basic{realm=Z\u{fc}rich/Q}");
    ok(
        "Basic realm=\"\u{1f512} \u{65e5}\u{672c}\"",
        "Basic{realm=\u{1f512} \u{65e5}\u{672c}/Q}",
    );
    err("Basic realm=Z\u{fc}rich", K::InvalidCharacter, 13);
    err("B\u{e4}sic realm=x", K::InvalidCharacter, 1);
    err("Basic r\u{e9}alm=x", K::InvalidCharacter, 7);
}

#[test]
fn limits() {
    let many_params: String = (0..=MAX_PARAMS)
        .map(|i| format!("p{i}=v"))
        .collect::<Vec<_>>()
        .join(", ");
    let at = many_params.rfind(&format!("p{MAX_PARAMS}=")).unwrap();
    err(&format!("X {many_params}"), K::TooManyParams, at + 2);
    let max_params: String = (0..MAX_PARAMS)
        .map(|i| format!("p{i}=v"))
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        parse_challenges(&format!("X {max_params}")).unwrap()[0]
            .params()
            .len(),
        MAX_PARAMS
    );

    let many: String = (0..=MAX_CHALLENGES)
        .map(|i| format!("S{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let at = many.rfind(&format!("S{MAX_CHALLENGES}")).unwrap();
    err(&many, K::TooManyChallenges, at);

    let long = format!("Basic realm=\"{}\"", "a".repeat(MAX_FIELD_LEN));
    err(&long, K::FieldTooLong, MAX_FIELD_LEN);
    let fits = format!("Basic realm=\"{}\"", "a".repeat(MAX_FIELD_LEN - 14));
    assert_eq!(fits.len(), MAX_FIELD_LEN);
    assert!(parse_challenges(&fits).is_ok());

    // Many empty elements are bounded by the field length, and linear.
    let commas = format!("Basic{}", ",".repeat(MAX_FIELD_LEN - 5));
    ok(&commas, "Basic{}");

    let lines: Vec<String> = (0..=MAX_LINES).map(|i| format!("S{i}")).collect();
    let e = parse_challenges_lines(lines.iter().map(String::as_str)).unwrap_err();
    assert_eq!((e.kind(), e.line()), (&K::TooManyLines, MAX_LINES));
    let big = "a".repeat(MAX_FIELD_LEN / 2);
    let e = parse_challenges_lines([big.as_str(), big.as_str()]).unwrap_err();
    assert_eq!((e.kind(), e.line()), (&K::FieldTooLong, 1));
}

#[test]
fn field_lines_errors_point_into_their_line() {
    let e = parse_challenges_lines(["Basic realm=x", "Digest realm=\"y", "Foo"]).unwrap_err();
    assert_eq!(
        (e.kind(), e.line(), e.offset()),
        (&K::UnterminatedQuotedString, 1, 13)
    );
    let e = parse_challenges_lines(["Basic realm=x", "realm=y"]).unwrap_err();
    assert_eq!(
        (e.kind(), e.line(), e.offset()),
        (&K::DuplicateParameter("realm".into()), 1, 0)
    );
    assert_eq!(
        e.to_string(),
        "duplicate parameter \"realm\" at byte 0 of line 1"
    );
    // A line may continue the previous line's last challenge (RFC 7230 section 3.2.2).
    let cs = parse_challenges_lines(["Digest realm=x", "nonce=y", "Basic"]).unwrap();
    assert_eq!(show_all(&cs), "Digest{realm=x/T,nonce=y/T} | Basic{}");
    assert_eq!(parse_challenges_lines([]).unwrap_err().kind(), &K::Empty);
}

#[test]
fn credentials_are_not_a_list() {
    let c = |v: &str| parse_credentials(v).map(|c| show(c.scheme(), c.data()));
    assert_eq!(c("  Basic abc=  ").unwrap(), "Basic[abc=]");
    assert_eq!(c("Digest a=b,").unwrap(), "Digest{a=b/T}");
    assert_eq!(c("Digest a=b, ,c=\"d\"").unwrap(), "Digest{a=b/T,c=d/Q}");
    assert_eq!(c("Digest").unwrap(), "Digest{}");
    let e = |v: &str| {
        let e = parse_credentials(v).unwrap_err();
        (e.kind().clone(), e.offset())
    };
    assert_eq!(e(""), (K::Empty, 0));
    assert_eq!(e("Basic abc, def"), (K::ExpectedEnd, 9));
    assert_eq!(e("Basic abc,"), (K::ExpectedEnd, 9));
    assert_eq!(e("Digest a=b, Basic c"), (K::ExpectedEnd, 12));
    assert_eq!(e("Digest a=b, Basic"), (K::ExpectedEnd, 12));
    assert_eq!(
        e("Digest a=b, a=c"),
        (K::DuplicateParameter("a".into()), 12)
    );
    assert_eq!(e(", Basic abc"), (K::ExpectedToken, 0));
}

#[test]
fn authentication_info_corner_cases() {
    let i = |v: &str| parse_authentication_info(v).map(|p| p.len());
    assert_eq!(i("Mutual"), Ok(0));
    assert_eq!(i("Mutual vks=\"a\", sid=1"), Ok(2));
    assert_eq!(i(",,"), Ok(0));
    let e = |v: &str| {
        let e = parse_authentication_info(v).unwrap_err();
        (e.kind().clone(), e.offset())
    };
    assert_eq!(e("Mutual abc=="), (K::ExpectedValue, 7));
    assert_eq!(e("a=b, Mutual c=d"), (K::ExpectedValue, 11));
    assert_eq!(e("Basic c=d"), (K::UnexpectedScheme, 0));
    assert_eq!(e("sid=1, SID=2"), (K::DuplicateParameter("SID".into()), 7));
    assert_eq!(e("Mutual\tvks=1"), (K::ExpectedSpace, 6));
}

/// Inputs the fuzz targets found, kept as named regression tests.
#[test]
fn fuzz_regressions() {
    // headers_parse_www_authenticate crash-e7a62890: `t**` was accepted by the borrowed
    // parser as the extended form of `t*`, which no owned parameter name can be.
    err("N aYII=, Fo*o t**=UTF-8'' ", K::InvalidExtName, 14);
    // headers_parse_authorization crash-715c3e9d.
    let e = parse_credentials("ll uS**=UTF-8'',2=\"/=\"").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&K::InvalidExtName, 3));
    // headers_parse_authentication_info crash-98bf33fe.
    let e = parse_authentication_info("8**=UTF-8'enqo9f'uqoptqe++++++++++++++").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&K::InvalidExtName, 0));
    // `t*` itself is fine as a scheme or the extended form of `t`.
    ok("t* t*=UTF-8''x", "t*{t=x/E}");
}

/// `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`: parameters attach to a
/// scheme only after `1*SP`. The `#auth-param` list may begin with empty elements.
#[test]
fn params_need_a_space_after_the_scheme() {
    ok("Basic , realm=x", "Basic{realm=x/T}");
    ok("Basic  , , realm=x, Digest", "Basic{realm=x/T} | Digest{}");
    err("Basic,realm=x", K::ExpectedSpace, 5);
    err("Basic, realm=x", K::ExpectedSpace, 5);
    err("Basic\t, realm=x", K::ExpectedSpace, 5);
    ok("Basic \t, realm=x", "Basic{realm=x/T}");
    err("Digest realm=x, Basic, realm=y", K::ExpectedSpace, 21);
    let e = parse_credentials("Basic, realm=x").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&K::ExpectedSpace, 5));
    assert_eq!(
        parse_credentials("Digest , a=b").unwrap().value("a"),
        Some("b")
    );
    // Credentials are not a list: a trailing comma is an empty `#auth-param` element,
    // which needs the space too.
    assert!(parse_credentials("Digest ,").is_ok());
    let e = parse_credentials("Digest,").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&K::ExpectedSpace, 6));
    let e = parse_authentication_info("Mutual, vks=x").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (&K::ExpectedSpace, 6));
}
