//! Variables computed from the committed test certificates. The expected values were
//! checked against Apache httpd 2.4.71 + mod_ssl (OpenSSL 3.0) by `tests/apache.rs`, which
//! compares every exported variable; here they are pinned so the suite needs no Apache.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers; failures should panic

use cert_policy::verify::read_certificates;
use cert_policy::{CertView, Context, Dialect, Expr, PeerVerification, Request, TlsInfo, TlsVars};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn tls(cert: &str) -> TlsInfo {
    let mut t = TlsInfo::default();
    t.peer_certificates = read_certificates(&data(cert)).unwrap();
    t.server_certificates = read_certificates(&data("server.pem")).unwrap();
    t.peer_verification = PeerVerification::Success;
    t.protocol = Some("TLSv1.3".into());
    t.cipher = Some("TLS_AES_256_GCM_SHA384".into());
    t.cipher_bits = Some(256);
    t.sni = Some("localhost".into());
    t
}

/// Reads a variable through `ssl_user_name` (SSLUserName), the public string-valued entry point.
fn var(t: &TlsVars<'_>, name: &str) -> String {
    cert_policy::ssl_user_name(name, &Context::new(Some(t)))
        .unwrap()
        .unwrap_or_default()
}

#[test]
fn apache_dn_rendering_multi_valued_utf8() {
    let t = tls("chain-utf8.pem");
    let v = TlsVars::new(&t).unwrap();
    assert_eq!(
        var(&v, "SSL_CLIENT_S_DN"),
        "UID=jmueller+CN=Jürgen Müller,OU=Entwicklung,O=Bäckerei Müller GmbH,C=DE"
    );
    assert_eq!(
        var(&v, "SSL_CLIENT_I_DN"),
        "CN=Test Intermediate CA,OU=Issuing,O=httpauth test,C=DE"
    );
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_CN"), "Jürgen Müller");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_UID"), "jmueller");
    // Legacy one-line form: forward order, non-ASCII bytes as \xHH.
    let c = CertView::parse(&t.peer_certificates[0]).unwrap();
    assert_eq!(
        String::from_utf8(c.subject_oneline()).unwrap(),
        r"/C=DE/O=B\xC3\xA4ckerei M\xC3\xBCller GmbH/OU=Entwicklung/CN=J\xC3\xBCrgen M\xC3\xBCller+UID=jmueller"
    );
    assert!(var(&v, "SSL_CLIENT_CERT_CHAIN_0").starts_with("-----BEGIN CERTIFICATE-----\n"));
}

#[test]
fn apache_dn_rendering_special_characters() {
    let t = tls("special.pem");
    let v = TlsVars::new(&t).unwrap();
    assert_eq!(
        var(&v, "SSL_CLIENT_S_DN"),
        r#"CN=\ lead space \"quoted\"\\back,OU=\#hash\; semi\+plus,O=Smith\, Jones \<and\> Co.,C=US"#
    );
    // Components are not RFC 2253-escaped, but a backslash is doubled.
    assert_eq!(
        var(&v, "SSL_CLIENT_S_DN_CN"),
        r#" lead space "quoted"\\back"#
    );
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_O"), "Smith, Jones <and> Co.");
}

#[test]
fn alice_components_sans_and_metadata() {
    let t = tls("alice.pem");
    let v = TlsVars::new(&t).unwrap();
    assert_eq!(
        var(&v, "SSL_CLIENT_S_DN"),
        "emailAddress=alice@example.com,CN=Alice Example,OU=R&D,OU=Sales,OU=Fun dept.,O=garex AG,L=Muenchen,ST=Bayern,C=DE"
    );
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_OU"), "Fun dept.");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_OU_0"), "Fun dept.");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_OU_2"), "R&D");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_OU_3"), "");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_ST"), "Bayern");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_SP"), "Bayern");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_Email"), "alice@example.com");
    assert_eq!(var(&v, "SSL_CLIENT_SAN_Email_0"), "alice@example.com");
    assert_eq!(var(&v, "SSL_CLIENT_SAN_DNS_0"), "alice.example.com");
    assert_eq!(var(&v, "SSL_CLIENT_SAN_DNS_1"), "www.alice.example.com");
    assert_eq!(var(&v, "SSL_CLIENT_SAN_DNS_2"), "");
    assert_eq!(
        var(&v, "SSL_CLIENT_SAN_OTHER_msUPN_0"),
        "alice@corp.example"
    );
    assert_eq!(var(&v, "SSL_CLIENT_M_VERSION"), "3");
    assert_eq!(var(&v, "SSL_CLIENT_A_KEY"), "id-ecPublicKey");
    assert_eq!(var(&v, "SSL_CLIENT_A_SIG"), "sha256WithRSAEncryption");
    assert_eq!(var(&v, "SSL_SERVER_S_DN_CN"), "localhost");
    assert_eq!(var(&v, "SSL_CLIENT_VERIFY"), "SUCCESS");
    assert_eq!(var(&v, "SSL_PROTOCOL"), "TLSv1.3");
    assert_eq!(var(&v, "SSL_CIPHER_USEKEYSIZE"), "256");
    assert_eq!(var(&v, "SSL_TLS_SNI"), "localhost");
    assert_eq!(var(&v, "HTTPS"), "on");
    // Case rules: prefix case-insensitive, component names case-sensitive.
    assert_eq!(var(&v, "ssl_client_S_DN_CN"), "Alice Example");
    assert_eq!(var(&v, "ssl_client_s_dn_cn"), "");
    assert!(
        var(&v, "SSL_CLIENT_M_SERIAL")
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
    );
    assert!(var(&v, "SSL_CLIENT_V_END").ends_with(" GMT"));
    let exported = v.export(std::time::SystemTime::now(), false);
    let names: Vec<&str> = exported.iter().map(|(k, _)| k.as_str()).collect();
    for n in [
        "SSL_CLIENT_S_DN_OU",
        "SSL_CLIENT_S_DN_OU_1",
        "SSL_CLIENT_S_DN_OU_2",
        "SSL_CLIENT_SAN_DNS_1",
        "SSL_CLIENT_V_REMAIN",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
}

#[test]
fn expired_certificate_v_remain_is_zero() {
    let t = tls("expired.pem");
    let v = TlsVars::new(&t).unwrap();
    assert_eq!(var(&v, "SSL_CLIENT_V_REMAIN"), "0");
    assert_eq!(var(&v, "SSL_CLIENT_V_START"), "Jan  1 00:00:00 2020 GMT");
    assert_eq!(var(&v, "SSL_CLIENT_V_END"), "Jan  1 00:00:00 2021 GMT");
}

#[test]
fn issue_examples() {
    let t = tls("alice.pem");
    let v = TlsVars::new(&t).unwrap();
    let ctx = Context::new(Some(&v));
    let e = Expr::parse(
        r#"%{SSL_CLIENT_S_DN_O} eq "garex AG" and %{SSL_CLIENT_S_DN_OU} in {"Fun dept."}"#,
        Dialect::SslRequire,
    )
    .unwrap();
    assert!(e.allows(&ctx));
    let e = Expr::parse(
        r#"%{SSL_CLIENT_I_DN_O} == "Company_O""#,
        Dialect::RequireExpr,
    )
    .unwrap();
    assert!(!e.allows(&ctx));
    let e = Expr::parse(
        "'alice test certificate' in PeerExtList('nsComment')",
        Dialect::RequireExpr,
    )
    .unwrap();
    assert!(e.allows(&ctx));
    let e = Expr::parse(
        "'CA:FALSE' in PeerExtList('2.5.29.19')",
        Dialect::RequireExpr,
    )
    .unwrap();
    assert!(e.allows(&ctx));
}

#[test]
fn no_certificate_and_request_variables() {
    let t = TlsInfo::default();
    let v = TlsVars::new(&t).unwrap();
    let headers = [("Host", "example.org"), ("X-Client", "a")];
    let mut req = Request::default();
    req.method = "POST";
    req.uri = "/admin";
    req.remote_addr = Some("192.0.2.7".parse().unwrap());
    req.headers = &headers;
    let ctx = Context::new(Some(&v)).with_request(req);
    let t = |s: &str| Expr::parse(s, Dialect::RequireExpr).unwrap().allows(&ctx);
    assert!(t("%{SSL_CLIENT_VERIFY} == 'NONE' && -z %{SSL_CLIENT_S_DN}"));
    assert!(t(
        "%{REQUEST_METHOD} == 'POST' && %{REQUEST_URI} == '/admin' && %{HTTP_HOST} == 'example.org'"
    ));
    assert!(t(
        "-R '192.0.2.0/24' && %{REMOTE_ADDR} == '192.0.2.7' && %{HTTP:x-client} == 'a'"
    ));
    assert!(!t("'x' in PeerExtList('subjectAltName')"));
    // Plain HTTP: no TLS at all.
    let ctx = Context::new(None);
    assert!(
        Expr::parse(
            "%{HTTPS} == 'off' && -z %{SSL_PROTOCOL}",
            Dialect::RequireExpr
        )
        .unwrap()
        .allows(&ctx)
    );
}

#[test]
fn legacy_string_types_t61_and_bmp() {
    let t = tls("legacy.pem");
    let v = TlsVars::new(&t).unwrap();
    // T61String is read as Latin-1, BMPString as UCS-2; both are rendered as UTF-8.
    assert_eq!(
        var(&v, "SSL_CLIENT_S_DN"),
        "CN=Jürgen Bäcker,O=日本テスト,C=DE"
    );
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_CN"), "Jürgen Bäcker");
    assert_eq!(var(&v, "SSL_CLIENT_S_DN_O"), "日本テスト");
    // The one-line form prints the raw bytes of the values.
    let c = CertView::parse(&t.peer_certificates[0]).unwrap();
    assert_eq!(
        String::from_utf8(c.subject_oneline()).unwrap(),
        r"/C=DE/O=e\xE5g,0\xC60\xB90\xC8/CN=J\xFCrgen B\xE4cker"
    );
}

#[test]
fn special_characters_one_line_form() {
    let t = tls("special.pem");
    let c = CertView::parse(&t.peer_certificates[0]).unwrap();
    assert_eq!(
        String::from_utf8(c.subject_oneline()).unwrap(),
        r#"/C=US/O=Smith, Jones <and> Co./OU=#hash; semi\+plus/CN= lead space "quoted"\back"#
    );
}

/// Issue 16: mod_ssl evaluates any unknown `SSL_*` name as empty; a likely typo warns, in
/// both dialects, also inside strings and `SSL('...')` / `%{SSL:...}`.
#[test]
fn unknown_ssl_variable_names_warn() {
    use cert_policy::{Dialect, Expr};
    for d in [Dialect::SslRequire, Dialect::RequireExpr] {
        let e = Expr::parse(
            "%{SSL_CLIENT_S_DN_CNN} == 'x' || '%{SSL_CLEINT_VERIFY}' == '' || SSL('SSL_CLIENT_S_DN_X') == '' || %{SSL:SSL_PROTOKOL} == ''",
            d,
        )
        .unwrap();
        let w: Vec<String> = e.warnings().into_iter().map(|w| w.message).collect();
        for name in [
            "SSL_CLIENT_S_DN_CNN",
            "SSL_CLEINT_VERIFY",
            "SSL_CLIENT_S_DN_X",
            "SSL_PROTOKOL",
        ] {
            assert!(
                w.iter().any(|m| m.contains(&format!("`{name}`"))),
                "{d:?} {name}: {w:?}"
            );
        }
        // Known names, including those this crate leaves empty, do not warn.
        let e = Expr::parse(
            "%{SSL_CLIENT_S_DN_CN} == %{SSL_SESSION_ID} && %{SSL_CLIENT_SAN_DNS_0} == SSL('SSL_CLIENT_VERIFY')",
            d,
        )
        .unwrap();
        assert!(e.warnings().is_empty(), "{:?}", e.warnings());
    }
}

/// Issue 16: certificate facts forwarded to an upstream in headers the user names; copies
/// the client sent are removed first; the PEM is unwrapped onto one line.
#[test]
fn forwarded_certificate_headers() {
    use cert_policy::{CertHeaders, Context, Error, PeerVerification, TlsInfo, TlsVars};
    let fwd = CertHeaders::new()
        .with("X-SSL-Client-Verify", "SSL_CLIENT_VERIFY")
        .unwrap()
        .with("X-SSL-Client-DN", "SSL_CLIENT_S_DN")
        .unwrap()
        .with("X-SSL-Client-Cert", "SSL_CLIENT_CERT")
        .unwrap();
    let spoofed = || {
        vec![
            ("x-ssl-client-verify".to_owned(), b"SUCCESS".to_vec()),
            ("X-SSL-CLIENT-DN".to_owned(), b"CN=admin".to_vec()),
            ("Accept".to_owned(), b"*/*".to_vec()),
        ]
    };
    let mut t = TlsInfo::default();
    t.peer_certificates = read_certificates(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/alice.pem")).unwrap(),
    )
    .unwrap();
    t.peer_verification = PeerVerification::Success;
    let vars = TlsVars::new(&t).unwrap();
    let mut h = spoofed();
    fwd.apply(&Context::new(Some(&vars)), &mut h).unwrap();
    let get = |h: &[(String, Vec<u8>)], n: &str| -> Vec<String> {
        h.iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            .collect()
    };
    assert_eq!(get(&h, "Accept"), ["*/*"]);
    assert_eq!(get(&h, "X-SSL-Client-Verify"), ["SUCCESS"]);
    assert_eq!(
        get(&h, "X-SSL-Client-DN"),
        [
            "emailAddress=alice@example.com,CN=Alice Example,OU=R&D,OU=Sales,OU=Fun dept.,O=garex AG,L=Muenchen,ST=Bayern,C=DE"
        ]
    );
    let pem = &get(&h, "X-SSL-Client-Cert")[0];
    assert!(pem.starts_with("-----BEGIN CERTIFICATE----- MII"), "{pem}");
    assert!(pem.ends_with(" -----END CERTIFICATE-----"), "{pem}");
    assert!(!pem.bytes().any(|b| b < 0x20), "{pem}");
    // No certificate: the spoofed copies are still removed; empty values are not sent.
    let empty = TlsInfo::default();
    let none = TlsVars::new(&empty).unwrap();
    let mut h = spoofed();
    fwd.apply(&Context::new(Some(&none)), &mut h).unwrap();
    assert_eq!(get(&h, "X-SSL-Client-Verify"), ["NONE"]);
    assert!(get(&h, "X-SSL-Client-DN").is_empty());
    assert!(matches!(
        CertHeaders::new().with("X Bad", "SSL_CLIENT_VERIFY"),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        CertHeaders::new().with("X-Dn", "SSL_CLIENT_S_DN_CNN"),
        Err(Error::Unknown { .. })
    ));
    assert!(matches!(
        CertHeaders::new()
            .with("X-A", "SSL_CLIENT_VERIFY")
            .unwrap()
            .with("x-a", "SSL_CLIENT_S_DN"),
        Err(Error::Config(_))
    ));
}
