//! Unit tests of the converter: the merge, each directive family, and the report.

use super::*;

fn conv(text: &str) -> Conversion {
    convert(text, &Options::default()).unwrap()
}

fn report(c: &Conversion) -> Vec<String> {
    c.report("t.conf").lines().map(str::to_owned).collect()
}

#[test]
fn location_with_basic_and_groups() {
    let c = conv(
        "<Location /admin>\n  AuthType Basic\n  AuthName \"Admins\"\n  AuthUserFile /etc/htpasswd\n  AuthGroupFile /etc/groups\n  Require group admins\n</Location>\n",
    );
    assert_eq!(
        c.toml.split_once("[[location]]\n").unwrap().1,
        "# from <Location /admin> (line 1)\npath = \"/admin\"\nschemes = [\"Basic\"]\nrealm = \"Admins\"\nuser_file = \"/etc/htpasswd\"\ngroup_file = \"/etc/groups\"\nrequire = [\"group admins\"]\n"
    );
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    assert!(c.is_complete());
}

/// The location keys of the converted TOML for `path` (the lines after `path = ...` up to
/// the next table).
fn location_keys(c: &Conversion, path: &str) -> Vec<String> {
    let marker = format!("path = {}\n", toml_out::string(path));
    let (_, rest) = c
        .toml
        .split_once(&marker)
        .unwrap_or_else(|| panic!("no location {path}:\n{}", c.toml));
    rest.lines()
        .take_while(|l| !l.starts_with('[') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn sections_merge_in_httpd_order() {
    // Server level, then <Directory> (shortest first), then <Location> in file order;
    // Require of a section replaces the inherited lines; SSLRequire accumulates.
    let c = conv(
        "DocumentRoot /srv/www\n\
         AuthType Basic\nAuthName outer\nAuthUserFile /etc/pw\n\
         <Location /app>\n  SSLRequire %{SSL_CLIENT_S_DN_O} eq \"A\"\n  Require user alice\n</Location>\n\
         <Directory /srv/www/app/sub>\n  AuthName inner\n  Require valid-user\n</Directory>\n\
         <Location /app/sub>\n  SSLRequire %{SSL_CLIENT_S_DN_OU} eq \"B\"\n</Location>\n\
         <Directory /srv/www>\n  Require all granted\n</Directory>\n",
    );
    assert_eq!(
        location_keys(&c, "/"),
        [
            "schemes = [\"Basic\"]",
            "realm = \"outer\"",
            "user_file = \"/etc/pw\"",
            "require = [\"all granted\"]",
            "static_dir = \"/srv/www\"",
        ]
    );
    assert_eq!(
        location_keys(&c, "/app"),
        [
            "schemes = [\"Basic\"]",
            "realm = \"outer\"",
            "user_file = \"/etc/pw\"",
            "require = [\"user alice\"]",
            "ssl_require = '%{SSL_CLIENT_S_DN_O} eq \"A\"'",
            "static_dir = \"/srv/www/app\"",
        ]
    );
    // <Directory> applies before every <Location>, so /app's Require (a Location) wins
    // over /app/sub's (a Directory); both SSLRequire hold.
    assert_eq!(
        location_keys(&c, "/app/sub"),
        [
            "schemes = [\"Basic\"]",
            "realm = \"inner\"",
            "user_file = \"/etc/pw\"",
            "require = [\"user alice\"]",
            "ssl_require = '(%{SSL_CLIENT_S_DN_O} eq \"A\") and (%{SSL_CLIENT_S_DN_OU} eq \"B\")'",
            "static_dir = \"/srv/www/app/sub\"",
        ]
    );
    assert!(c.is_complete(), "{}", c.report("t.conf"));
}

#[test]
fn ssl_options_add_remove_and_reset() {
    let c = conv(
        "<Location />\nAuthType Basic\nAuthName r\nAuthUserFile /pw\nRequire valid-user\nSSLOptions +FakeBasicAuth +StrictRequire\n</Location>\n\
         <Location /a>\nSSLOptions -StrictRequire\n</Location>\n\
         <Location /b>\nSSLOptions StrictRequire\n</Location>\n",
    );
    let keys = |p| location_keys(&c, p);
    assert!(keys("/").contains(&"fake_basic_auth = true".to_owned()));
    assert!(keys("/").contains(&"strict_require = true".to_owned()));
    assert!(keys("/a").contains(&"fake_basic_auth = true".to_owned()));
    assert!(!keys("/a").contains(&"strict_require = true".to_owned()));
    assert!(!keys("/b").contains(&"fake_basic_auth = true".to_owned()));
    assert!(keys("/b").contains(&"strict_require = true".to_owned()));
    assert!(c.is_complete(), "{}", c.report("t.conf"));
    // A mix of absolute and relative options is refused by httpd.
    let c = conv("<Location />\nSSLOptions StrictRequire +FakeBasicAuth\n</Location>\n");
    assert_eq!(
        report(&c),
        [
            "t.conf:2: SSLOptions: not carried over: httpd refuses a mix of options with and without +/-"
        ]
    );
}

#[test]
fn require_containers_and_unsupported_lines() {
    let c = conv(
        "<Location /a>\nAuthType Basic\nAuthName r\nAuthUserFile /pw\n\
         <RequireAny>\n  Require ip 10.0.0.0/8\n  <RequireAny>\n    Require user bob\n  </RequireAny>\n  <RequireAll>\n    Require group x\n  </RequireAll>\n</RequireAny>\n\
         </Location>\n",
    );
    assert_eq!(
        location_keys(&c, "/a"),
        [
            "schemes = [\"Basic\"]",
            "realm = \"r\"",
            "user_file = \"/pw\"",
            "require = [\"ip 10.0.0.0/8\", \"user bob\"]",
        ]
    );
    assert_eq!(
        report(&c),
        ["t.conf:11: Require: not carried over: group x: no AuthGroupFile applies at /a"]
    );

    let c = conv(
        "<Location /b>\nAuthType Basic\nAuthName r\nAuthUserFile /pw\n\
         <RequireAll>\n  Require valid-user\n  Require not ip 10.0.0.1\n</RequireAll>\n</Location>\n\
         <Location /c>\nRequire not ip 10.0.0.1\nRequire local\nRequire user \"john doe\"\n</Location>\n",
    );
    assert_eq!(
        report(&c),
        [
            "t.conf:5: <RequireAll>: not carried over: a <RequireAll> of 2 lines cannot be expressed: the demo's require lines are alternatives",
            "t.conf:5: Require: changed: location /b: none of its Require lines could be carried over, so it denies every request (require = [\"all denied\"])",
            "t.conf:11: Require: not carried over: Require not needs <RequireAll>, which the demo's require list (alternatives) cannot express",
            "t.conf:11: Require: changed: location /c: none of its Require lines could be carried over, so it denies every request (require = [\"all denied\"])",
            "t.conf:12: Require: not carried over: the provider \"local\" is not supported by the demo (valid-user, user, group, ip, host, method, expr, all, ssl, ssl-verify-client are)",
            "t.conf:13: Require: not carried over: an argument with white space (or empty) cannot be expressed: the demo splits Require arguments on white space",
        ]
    );
    assert!(location_keys(&c, "/b").contains(&"require = [\"all denied\"]".to_owned()));
    assert!(location_keys(&c, "/c").contains(&"require = [\"all denied\"]".to_owned()));
}

#[test]
fn no_require_under_a_scheme_grants_as_httpd_does() {
    let c = conv(
        "<Location /a>\nAuthType Digest\nAuthName r\nAuthUserFile /dg\nAuthDigestAlgorithm MD5-sess\n</Location>\n",
    );
    assert_eq!(
        location_keys(&c, "/a"),
        [
            "schemes = [\"Digest\"]",
            "realm = \"r\"",
            "digest_file = \"/dg\"",
            "digest_algorithms = [\"MD5-sess\"]",
            "require = [\"all granted\"]",
        ]
    );
    assert!(c.is_complete());
    assert_eq!(
        report(&c),
        [
            "t.conf:2: AuthType: note: location /a has no Require line: httpd asks for no credentials there, so neither does the demo (require = [\"all granted\"])"
        ]
    );
}

#[test]
fn proxy_pass_and_request_headers() {
    let c = conv(
        "ProxyPass /app http://127.0.0.1:9000/app\n\
         <Location /app>\nAuthType Basic\nAuthName r\nAuthUserFile /pw\nRequire valid-user\n\
         RequestHeader unset X-User\nRequestHeader set X-User \"%{REMOTE_USER}s\"\n\
         RequestHeader set X-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n</Location>\n\
         <Location /api>\nProxyPass http://127.0.0.1:9000/v1\nProxyPassReverse http://127.0.0.1:9000/v1\n</Location>\n",
    );
    assert_eq!(
        location_keys(&c, "/app"),
        [
            "schemes = [\"Basic\"]",
            "realm = \"r\"",
            "user_file = \"/pw\"",
            "require = [\"valid-user\"]",
            "proxy = \"http://127.0.0.1:9000\"",
            "proxy_user_header = \"X-User\"",
        ]
    );
    assert!(
        c.toml
            .contains("[location.proxy_cert_headers]\nX-Client-DN = \"SSL_CLIENT_S_DN\"\n"),
        "{}",
        c.toml
    );
    assert_eq!(
        report(&c),
        [
            "t.conf:12: ProxyPass: not carried over: the demo appends the whole request path to its upstream, so the upstream path would have to end in \"/api\" (here \"/v1\")",
            "t.conf:13: ProxyPassReverse: not carried over: the demo does not rewrite Location, Content-Location or URI fields of upstream responses",
        ]
    );
}

#[test]
fn listeners_tls_and_limits() {
    let c = convert(
        "ServerRoot /etc/httpd\nListen 80\nListen 127.0.0.1:8443\nLimitRequestBody 4096\nLimitRequestFieldSize 100\n\
         <VirtualHost *:8443>\nSSLEngine on\nSSLCertificateFile conf/s.pem\nSSLCertificateKeyFile conf/s.key\n\
         SSLCACertificateFile conf/ca.pem\nSSLCARevocationFile conf/a.crl\nSSLCARevocationFile conf/b.crl\n\
         SSLCARevocationCheck chain no_crl_for_cert_ok\nSSLVerifyClient require\nSSLVerifyDepth 3\n\
         SSLProtocol all -SSLv3\n</VirtualHost>\n",
        &Options::default(),
    )
    .unwrap();
    let body = c.toml.split_once('\n').unwrap().1;
    assert_eq!(
        body,
        "\n[server]\nmax_body_bytes = 4096\n\
         \n[[listener]]\nkind = \"http\"\naddress = \"0.0.0.0:80\"\n\
         \n[[listener]]\nkind = \"https\"\naddress = \"127.0.0.1:8443\"\n\
         \n[tls]\ncertificate_chain = \"/etc/httpd/conf/s.pem\"\nprivate_key = \"/etc/httpd/conf/s.key\"\n\
         client_ca = \"/etc/httpd/conf/ca.pem\"\ncrls = [\"/etc/httpd/conf/a.crl\", \"/etc/httpd/conf/b.crl\"]\n\
         verify_client = \"require\"\nverify_depth = 3\n"
    );
    assert_eq!(
        report(&c),
        [
            "t.conf:5: LimitRequestFieldSize: not carried over: the demo bounds the whole request head (max_header_bytes) and needs at least 8192",
            "t.conf:13: SSLCARevocationCheck: not carried over: the flags [\"no_crl_for_cert_ok\"] are not supported by the demo",
            "t.conf:16: SSLProtocol: not carried over: rustls offers TLS 1.2 and 1.3 only and has no per-server protocol setting",
        ]
    );
}

#[test]
fn directory_mapping_and_regex_sections() {
    let o = Options {
        document_root: Some("/srv/www".into()),
        ..Options::default()
    };
    let c = convert(
        "<Directory /srv/www/a>\nRequire all denied\n</Directory>\n\
         <Directory /opt/other>\nRequire all denied\n</Directory>\n\
         <Directory /srv/www/*/x>\nRequire all denied\n</Directory>\n\
         <LocationMatch \"^/b\">\nRequire all denied\n</LocationMatch>\n\
         <Location ~ \"^/c\">\nRequire all denied\n</Location>\n\
         <IfModule mod_ssl.c>\n<Location /d>\nRequire all denied\n</Location>\n</IfModule>\n",
        &o,
    )
    .unwrap();
    assert_eq!(
        location_keys(&c, "/a"),
        ["require = [\"all denied\"]", "static_dir = \"/srv/www/a\""]
    );
    assert_eq!(
        location_keys(&c, "/d"),
        ["require = [\"all denied\"]", "static_dir = \"/srv/www/d\""]
    );
    assert_eq!(
        report(&c),
        [
            "t.conf:4: <Directory>: not carried over: /opt/other is outside DocumentRoot /srv/www; its 1 directives are dropped",
            "t.conf:7: <Directory>: not carried over: wildcard <Directory> paths are not supported; its 1 directives are dropped",
            "t.conf:10: <LocationMatch>: not carried over: regular-expression sections are not supported (the demo matches path prefixes); its 1 directives are dropped",
            "t.conf:13: <Location>: not carried over: regular-expression sections are not supported (the demo matches path prefixes); its 1 directives are dropped",
        ]
    );
}

#[test]
fn ill_formed_input_is_an_error_not_a_report() {
    for (text, line) in [
        ("<Location /a>\n", 1),
        ("AuthName \"x\n", 1),
        ("<Location /a>\n</Location>\n</Location>\n", 3),
    ] {
        match convert(text, &Options::default()) {
            Err(Error::Syntax { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let big = "#".repeat(MAX_INPUT_BYTES + 1);
    assert!(matches!(
        convert(&big, &Options::default()),
        Err(Error::TooLarge)
    ));
}
