//! Known-answer tests: the examples of RFC 7235, 7615, 7616, 7617, 8120, 8053 and 8187,
//! each test named after its source. Folded example lines (RFC 7230 section 3.2.4
//! `obs-fold`) are given unfolded, each fold replaced by SP as a recipient must.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use httpauth_core::{AuthParam, Challenge, ParamForm};
use httpauth_headers::{
    FieldName, ParsedField, format_authentication_info, format_challenge, format_challenges,
    format_credentials, parse_authentication_control, parse_authentication_info, parse_challenges,
    parse_challenges_lines, parse_challenges_ref, parse_credentials, parse_field,
};

/// Asserts each `(name, value, form)` of a parameter list, in order.
fn assert_params(ps: &[AuthParam], want: &[(&str, &str, ParamForm)]) {
    let got: Vec<(&str, &str, ParamForm)> =
        ps.iter().map(|p| (p.name(), p.value(), p.form())).collect();
    assert_eq!(got, want);
}

use ParamForm::{Extended as E, Quoted as Q, Token as T};

#[test]
fn rfc7235_4_1_two_challenges_one_field() {
    let v = r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#;
    let cs = parse_challenges(v).unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].scheme(), "Newauth");
    assert_params(
        cs[0].params(),
        &[
            ("realm", "apps", Q),
            ("type", "1", T),
            ("title", "Login to \"apps\"", Q),
        ],
    );
    assert_eq!(cs[1].scheme(), "Basic");
    assert_params(cs[1].params(), &[("realm", "simple", Q)]);
    // Serialisation honours the forms seen, so it gives back the input.
    assert_eq!(format_challenges(&cs), v);
    // Proxy-Authenticate (RFC 7235 section 4.3) has the same grammar.
    assert_eq!(
        parse_field(FieldName::ProxyAuthenticate, v).unwrap(),
        ParsedField::Challenges(cs)
    );
}

#[test]
fn rfc7235_2_1_case_insensitive_scheme_and_names() {
    let cs = parse_challenges(r#"bASIC REALM="x""#).unwrap();
    assert!(cs[0].is_scheme("Basic"));
    assert_eq!(cs[0].value("realm"), Some("x"));
    assert_eq!(cs[0].scheme(), "bASIC", "written spelling is kept");
}

const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

fn rfc7616_challenge(alg: &str) -> String {
    format!(
        "Digest     realm=\"http-auth@example.org\",     qop=\"auth, auth-int\",     \
         algorithm={alg},     nonce=\"{RFC7616_NONCE}\",     opaque=\"{RFC7616_OPAQUE}\""
    )
}

#[test]
fn rfc7616_3_9_1_two_field_lines() {
    let l1 = rfc7616_challenge("SHA-256");
    let l2 = rfc7616_challenge("MD5");
    let cs = parse_challenges_lines([l1.as_str(), l2.as_str()]).unwrap();
    assert_eq!(cs.len(), 2);
    for (c, alg) in cs.iter().zip(["SHA-256", "MD5"]) {
        assert!(c.is_scheme("digest"));
        assert_params(
            c.params(),
            &[
                ("realm", "http-auth@example.org", Q),
                ("qop", "auth, auth-int", Q),
                ("algorithm", alg, T),
                ("nonce", RFC7616_NONCE, Q),
                ("opaque", RFC7616_OPAQUE, Q),
            ],
        );
    }
    // The same two challenges in one field, as RFC 7230 section 3.2.2 combines them.
    assert_eq!(parse_challenges(&format!("{l1}, {l2}")).unwrap(), cs);
}

#[test]
fn rfc7616_3_9_1_md5_authorization() {
    let v = format!(
        "Digest username=\"Mufasa\",     realm=\"http-auth@example.org\",     \
         uri=\"/dir/index.html\",     algorithm=MD5,     nonce=\"{RFC7616_NONCE}\",     \
         nc=00000001,     cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",     \
         qop=auth,     response=\"8ca523f5e9506fed4657c9700eebdbec\",     \
         opaque=\"{RFC7616_OPAQUE}\""
    );
    let c = parse_credentials(&v).unwrap();
    assert!(c.is_scheme("Digest"));
    assert_params(
        c.params(),
        &[
            ("username", "Mufasa", Q),
            ("realm", "http-auth@example.org", Q),
            ("uri", "/dir/index.html", Q),
            ("algorithm", "MD5", T),
            ("nonce", RFC7616_NONCE, Q),
            ("nc", "00000001", T),
            ("cnonce", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", Q),
            ("qop", "auth", T),
            ("response", "8ca523f5e9506fed4657c9700eebdbec", Q),
            ("opaque", RFC7616_OPAQUE, Q),
        ],
    );
    let again = format_credentials(&c);
    assert_eq!(parse_credentials(&again).unwrap(), c);
    assert!(again.contains("nc=00000001, cnonce=\"f2/"), "{again}");
}

#[test]
fn rfc7616_3_9_1_sha256_authorization() {
    let v = format!(
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
         uri=\"/dir/index.html\", algorithm=SHA-256, nonce=\"{RFC7616_NONCE}\", \
         nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, \
         response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
         opaque=\"{RFC7616_OPAQUE}\""
    );
    let c = parse_credentials(&v).unwrap();
    assert_eq!(
        c.value("response"),
        Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
    );
    assert_eq!(c.get("algorithm").unwrap().form(), T);
    assert_eq!(format_credentials(&c), v);
}

#[test]
fn rfc7616_3_9_2_userhash_challenge_and_response() {
    let ch = "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
              nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", \
              opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true";
    let cs = parse_challenges(ch).unwrap();
    assert_eq!(cs[0].value("charset"), Some("UTF-8"));
    assert_eq!(cs[0].value("userhash"), Some("true"));
    assert_eq!(cs[0].value("algorithm"), Some("SHA-512-256"));
    let au = "Digest \
        username=\"488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec\", \
        realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-512-256, \
        nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", nc=00000001, \
        cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth, \
        response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\", \
        opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", userhash=true";
    let c = parse_credentials(au).unwrap();
    assert_eq!(c.params().len(), 11);
    assert_eq!(c.value("userhash"), Some("true"));
    assert_eq!(c.value("uri"), Some("/doe.json"));
}

#[test]
fn rfc7616_3_4_4_username_star_extended() {
    // RFC 7616 section 3.4.4: a non-ASCII username without userhash uses username*.
    let c = parse_credentials(
        "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\"",
    )
    .unwrap();
    let u = c.get("username").unwrap();
    assert_eq!(u.value(), "J\u{e4}s\u{f8}n Doe");
    assert!(u.is_extended());
    assert_eq!(u.name(), "username");
    assert!(format_credentials(&c).starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "));
    // username and username* together is the ambiguity this crate refuses.
    assert!(parse_credentials("Digest username=\"a\", username*=UTF-8''b").is_err());
}

#[test]
fn rfc7616_3_5_authentication_info() {
    // RFC 7616 section 3.5 lists the Authentication-Info parameters (RFC 7615 syntax) but
    // prints no example; the values here are illustrative (regression pin, not verified
    // against another implementation).
    let v = "qop=auth, rspauth=\"6629fae49393a05397450978507c4ef1\", \
             cnonce=\"0a4f113b\", nc=00000001, nextnonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"";
    let p = parse_authentication_info(v).unwrap();
    assert_params(
        p.as_slice(),
        &[
            ("qop", "auth", T),
            ("rspauth", "6629fae49393a05397450978507c4ef1", Q),
            ("cnonce", "0a4f113b", Q),
            ("nc", "00000001", T),
            ("nextnonce", "dcd98b7102dd2f0e8b11d0f600bfb0c093", Q),
        ],
    );
    assert_eq!(format_authentication_info(&p), v);
}

#[test]
fn rfc7615_3_authentication_info_is_a_list() {
    // `Authentication-Info = #auth-param`: empty elements, and the empty list, are valid.
    assert!(parse_authentication_info("").unwrap().is_empty());
    assert_eq!(
        parse_authentication_info(" , a=b ,, c=\"d\" , ")
            .unwrap()
            .len(),
        2
    );
    // RFC 7615 section 4: Proxy-Authentication-Info has the same syntax.
    assert_eq!(
        parse_field(FieldName::ProxyAuthenticationInfo, "a=b").unwrap(),
        ParsedField::AuthInfo(parse_authentication_info("a=b").unwrap())
    );
}

#[test]
fn rfc7617_2_wallyworld_and_aladdin() {
    let cs = parse_challenges(r#"Basic realm="WallyWorld""#).unwrap();
    assert_params(cs[0].params(), &[("realm", "WallyWorld", Q)]);
    let c = parse_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
    assert_eq!(c.token68(), Some("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    let (user, password) = httpauth_headers::basic::decode(&c).unwrap();
    assert_eq!(user, "Aladdin");
    assert_eq!(password.expose_secret(), "open sesame");
    assert_eq!(format_credentials(&c), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

#[test]
fn rfc7617_2_1_charset_utf8() {
    let cs = parse_challenges(r#"Basic realm="foo", charset="UTF-8""#).unwrap();
    assert_params(
        cs[0].params(),
        &[("realm", "foo", Q), ("charset", "UTF-8", Q)],
    );
    assert_eq!(
        httpauth_headers::basic::encode("test", "123\u{a3}").unwrap(),
        "Basic dGVzdDoxMjPCow=="
    );
}

#[test]
fn rfc8120_2_2_flow_messages() {
    // (2) 401-INIT
    let cs = parse_challenges(r#"Mutual realm="a realm""#).unwrap();
    assert_params(cs[0].params(), &[("realm", "a realm", Q)]);
    // (3) req-KEX-C1
    let c = parse_credentials(r#"Mutual user="john", kc1="...""#).unwrap();
    assert_params(c.params(), &[("user", "john", Q), ("kc1", "...", Q)]);
    // (4) 401-KEX-S1
    let cs = parse_challenges(r#"Mutual sid=0123abcd, ks1="...""#).unwrap();
    assert_params(cs[0].params(), &[("sid", "0123abcd", T), ("ks1", "...", Q)]);
    // (7) 200-VFY-S, drawn with a scheme; RFC 7615 syntax has none. Both parse the same.
    let legacy = parse_authentication_info(r#"Mutual vks="...""#).unwrap();
    assert_eq!(legacy, parse_authentication_info(r#"vks="...""#).unwrap());
    assert_eq!(format_authentication_info(&legacy), r#"vks="...""#);
    let r = httpauth_headers::parse_authentication_info_ref(r#"mutual vks="...""#).unwrap();
    assert_eq!(r.legacy_scheme(), Some("mutual"));
    // Only Mutual's legacy drawing is accepted.
    assert!(parse_authentication_info(r#"Digest rspauth="...""#).is_err());
}

#[test]
fn rfc8120_3_1_user_extended() {
    let c = parse_credentials("Mutual user*=UTF-8''Ren%C3%89e%20of%20France").unwrap();
    let u = c.get("user").unwrap();
    assert_eq!(u.value(), "Ren\u{c9}e of France");
    assert!(u.is_extended());
    // Sending: ASCII values MUST use plain syntax; non-ASCII SHOULD use ext-parameter.
    let ascii = AuthParam::new("user", "Renee of France").unwrap();
    assert_eq!(
        httpauth_headers::format_param(&ascii),
        r#"user="Renee of France""#
    );
    let non_ascii = AuthParam::new("user", "Ren\u{c9}e of France").unwrap();
    assert_eq!(
        httpauth_headers::format_param(&non_ascii),
        "user*=UTF-8''Ren%C3%89e%20of%20France"
    );
}

#[test]
fn rfc8120_4_1_realm_always_quoted() {
    // RFC 8120 section 4.1: realm "MUST always be sent in the quoted-string form, and an
    // [RFC5987] encoding MUST NOT be used", even for non-ASCII text.
    let c = Challenge::new("Mutual")
        .unwrap()
        .param(AuthParam::token("version", "1").unwrap())
        .unwrap()
        .param(AuthParam::token("algorithm", "iso-kam3-dl-2048-sha256").unwrap())
        .unwrap()
        .param(AuthParam::token("validation", "host").unwrap())
        .unwrap()
        .param(AuthParam::quoted("realm", "r\u{e9}alm \"1\"").unwrap())
        .unwrap()
        .param(AuthParam::token("reason", "initial").unwrap())
        .unwrap();
    let s = format_challenge(&c);
    assert_eq!(
        s,
        "Mutual version=1, algorithm=iso-kam3-dl-2048-sha256, validation=host, \
         realm=\"r\u{e9}alm \\\"1\\\"\", reason=initial"
    );
    assert_eq!(parse_challenges(&s).unwrap(), vec![c]);
}

#[test]
fn rfc8053_3_optional_www_authenticate() {
    let f = parse_field(FieldName::OptionalWwwAuthenticate, r#"Basic realm="xxxx""#).unwrap();
    let ParsedField::Challenges(cs) = f else {
        panic!("challenges expected")
    };
    assert_params(cs[0].params(), &[("realm", "xxxx", Q)]);
}

#[test]
fn rfc8053_4_authentication_control_examples() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str, ParamForm)]);
    let cases: &[Case<'_>] = &[
        (
            r#"Digest realm="protected space", auth-style=modal"#,
            &[("realm", "protected space", Q), ("auth-style", "modal", T)],
        ),
        (
            r#"Mutual realm="auth-space-1", location-when-unauthenticated="http://www.example.com/login.html""#,
            &[
                ("realm", "auth-space-1", Q),
                (
                    "location-when-unauthenticated",
                    "http://www.example.com/login.html",
                    Q,
                ),
            ],
        ),
        (
            r#"Basic realm="entrance", no-auth=true"#,
            &[("realm", "entrance", Q), ("no-auth", "true", T)],
        ),
        (
            r#"Digest realm="protected space", location-when-logout="http://www.example.com/byebye.html""#,
            &[
                ("realm", "protected space", Q),
                (
                    "location-when-logout",
                    "http://www.example.com/byebye.html",
                    Q,
                ),
            ],
        ),
        (
            r#"Basic realm="entrance", logout-timeout=300"#,
            &[("realm", "entrance", Q), ("logout-timeout", "300", T)],
        ),
        (
            r#"Basic realm="configuration", username="admin""#,
            &[("realm", "configuration", Q), ("username", "admin", Q)],
        ),
        // Section 4.1.
        (
            "Basic realm=\"x\", username*=UTF-8''Ren%C3%89e%20of%20France",
            &[("realm", "x", Q), ("username", "Ren\u{c9}e of France", E)],
        ),
    ];
    for (v, want) in cases {
        let es = parse_authentication_control(v).unwrap();
        assert_eq!(es.len(), 1, "{v}");
        assert_params(es[0].params(), want);
        assert_eq!(httpauth_headers::format_authentication_control(&es), *v);
    }
    // Several entries in one field (section 4, the note on multiple occurrences).
    let es = parse_authentication_control(
        r#"Basic realm="a", no-auth=true, Digest realm="b", logout-timeout=0"#,
    )
    .unwrap();
    assert_eq!(es.len(), 2);
    // `auth-control-entry = auth-scheme 1*SP 1#auth-control-param`: no bare scheme, no token68.
    assert!(parse_authentication_control("Basic").is_err());
    assert!(parse_authentication_control("Basic abc==").is_err());
    assert!(parse_authentication_control(r#"Basic realm="a", Digest"#).is_err());
}

#[test]
fn rfc8187_3_2_2_examples() {
    // The RFC's examples are Content-Disposition-like `foo: bar; title=...`; here the same
    // values are auth-params.
    let cs = parse_challenges(
        "Foo title=Economy, t2=\"US-$ rates\", t3*=utf-8'en'%C2%A3%20rates, \
         t4*=UTF-8''%e2%82%ac%20exchange%20rates",
    )
    .unwrap();
    assert_params(
        cs[0].params(),
        &[
            ("title", "Economy", T),
            ("t2", "US-$ rates", Q),
            ("t3", "\u{a3} rates", E),
            ("t4", "\u{20ac} exchange rates", E),
        ],
    );
    let r = parse_challenges_ref("Foo t3*=utf-8'en'%C2%A3%20rates").unwrap();
    assert_eq!(r[0].params()[0].value_ref().language(), "en");
    assert_eq!(r[0].params()[0].value_ref().raw(), "%C2%A3%20rates");
    assert_eq!(
        httpauth_headers::decode_ext_value("UTF-8''%e2%82%ac%20exchange%20rates")
            .unwrap()
            .0,
        "\u{20ac} exchange rates"
    );
}

#[test]
fn rfc8187_3_2_1_refusals() {
    use httpauth_headers::ParseErrorKind as K;
    let kind = |v: &str| parse_challenges(v).unwrap_err().kind().clone();
    assert_eq!(
        kind("Foo t*=ISO-8859-1''%A3"),
        K::UnsupportedCharset("ISO-8859-1".into())
    );
    assert_eq!(kind("Foo t*=UTF-8''%A"), K::InvalidPercentEncoding);
    assert_eq!(kind("Foo t*=UTF-8''%G0"), K::InvalidPercentEncoding);
    assert_eq!(kind("Foo t*=UTF-8''%C3"), K::InvalidUtf8);
    assert_eq!(
        kind("Foo t*=UTF-8''%C0%AF"),
        K::InvalidUtf8,
        "overlong UTF-8"
    );
    assert_eq!(kind("Foo t*=UTF-8'abc"), K::InvalidExtValue);
    assert_eq!(
        kind("Foo t*=\"UTF-8''abc\""),
        K::InvalidExtValue,
        "quoted ext-value"
    );
    assert_eq!(
        kind("Foo t*=''abc"),
        K::InvalidExtValue,
        "charset is required"
    );
    assert_eq!(kind("Foo *=UTF-8''abc"), K::InvalidExtName);
    assert_eq!(kind("Foo a**=UTF-8''abc"), K::InvalidExtName);
    assert_eq!(kind("Foo t*=UTF-8''a'b"), K::ExpectedComma);
}
