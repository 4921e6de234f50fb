//! End to end: an axum app built only with the front crate (`AuthLayer`, the
//! `Authenticated` extractor, `hyper::serve_connection`, `rustls::TlsFacts`) on
//! 127.0.0.1, exercised by real peers: curl (Basic; Digest MD5 over a file written by
//! Apache's `htdigest`, Digest SHA-256), Python `requests` (Basic, Digest), this project's
//! Mutual client (all four RFC 8121 algorithms, `validation=host`), curl with client
//! certificates made by the openssl CLI over https; the extractor's rejection; and an
//! established Mutual session that keeps working while many unfinished key exchanges
//! are in flight.
//!
//! A missing peer tool fails the test with the package to install; nothing is skipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

use authfile::{
    DigestHash, FileCache, HtdigestFile, HtmutualFile, HtpasswdFile, MutualKey, VerifyPolicy,
};
use axum::{Router, routing::get};
use httpauth::client::reqwest::AuthMiddleware;
use httpauth::client::{AuthClient, ClientError};
use httpauth::extract::Authenticated;
use httpauth::layer::{AuthLayer, ConnectionInfo};
use httpauth::{AccessRules, BasicScheme, CertAccess, CertificateScheme, Guard, Require, Satisfy};
use httpauth_core::{AuthScheme, Password};
use mutual_core::client::{MutualClient, Next, RequestTarget, Response as MResponse, Status};
use mutual_core::scope::Origin;
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const REALM: &str = "e2e";
const ALGORITHMS: [(&str, &str); 4] = [
    ("dl2048", "iso-kam3-dl-2048-sha256"),
    ("ec256", "iso-kam3-ec-p256-sha256"),
    ("dl4096", "iso-kam3-dl-4096-sha512"),
    ("ec521", "iso-kam3-ec-p521-sha512"),
];

// ---------------------------------------------------------------------------------------
// Peers

fn require_python_requests() {
    httpauth_test_kit::must_have("python3");
    let ok = Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 `requests` is not installed: apt-get install python3-requests"
    );
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// curl; returns (status, body, response header lines).
fn curl(args: &[&str]) -> (u16, String, String) {
    httpauth_test_kit::must_have("curl");
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("h");
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "60", "-w", "\n%{http_code}", "-D"])
        .arg(&headers)
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    let h = std::fs::read_to_string(&headers).unwrap_or_default();
    (code.trim().parse().unwrap_or(0), body.to_owned(), h)
}

fn openssl(dir: &Path, args: &[&str]) {
    httpauth_test_kit::must_have("openssl");
    run(Command::new("openssl").current_dir(dir).args(args));
}

/// The classic recipe: a CA, a server certificate for 127.0.0.1, client certificates for
/// carol (OU=Lab) and dave (OU=Other).
fn openssl_pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/C=DE/O=OpenSSL Test/CN=OpenSSL Test CA",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    let sign = |name: &str, subj: &str, ext: &str| {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                subj,
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "30",
                "-extfile",
                ext,
            ],
        );
    };
    sign("server", "/O=OpenSSL Test/CN=127.0.0.1", "server.ext");
    sign(
        "carol",
        "/C=DE/O=OpenSSL Test/OU=Lab/CN=carol",
        "client.ext",
    );
    sign(
        "dave",
        "/C=DE/O=OpenSSL Test/OU=Other/CN=dave",
        "client.ext",
    );
}

/// Writes an htdigest record with Apache's `htdigest` (it reads the password from a tty).
fn apache_htdigest(file: &Path, realm: &str, user: &str, pw: &str) {
    httpauth_test_kit::must_have("htdigest");
    httpauth_test_kit::must_have("python3");
    let script = httpauth_test_kit::pty_htdigest_script();
    run(Command::new("python3")
        .arg(script)
        .arg(pw)
        .arg("-c")
        .arg(file)
        .args([realm, user]));
}

// ---------------------------------------------------------------------------------------
// The app

/// Credential files: htpasswd by Apache's `htpasswd` (bcrypt for alice, `{SHA}` for bob),
/// htdigest MD5 by Apache's `htdigest`, htdigest SHA-256 and htmutual by `authfile`.
fn credential_files(dir: &Path) {
    httpauth_test_kit::must_have("htpasswd");
    let pw = dir.join("users.htpasswd");
    run(Command::new("htpasswd")
        .args(["-c", "-b", "-B", "-C", "4"])
        .arg(&pw)
        .args(["alice", "wonderland"]));
    run(Command::new("htpasswd")
        .args(["-b", "-s"])
        .arg(&pw)
        .args(["bob", "builder"]));
    apache_htdigest(&dir.join("md5.htdigest"), REALM, "alice", "wonderland");
    let mut f = HtdigestFile::new();
    f.set_password(
        "alice",
        REALM,
        &Password::from("wonderland"),
        DigestHash::Sha256,
        false,
    )
    .unwrap();
    std::fs::write(dir.join("sha256.htdigest"), f.to_bytes()).unwrap();
    let mut f = HtmutualFile::new();
    for (_, token) in ALGORITHMS {
        let alg = mutual_core::algorithm_by_token(token).unwrap();
        let j =
            mutual_core::derive_verifier(token, "127.0.0.1", REALM, "alice", "wonderland").unwrap();
        let key = MutualKey {
            user: "alice".into(),
            algorithm: token.into(),
            auth_scope: "127.0.0.1".into(),
            realm: REALM.into(),
        };
        f.set_verifier(key, mutual_core::kam3::decode_verifier(alg, &j).unwrap())
            .unwrap();
    }
    std::fs::write(dir.join("users.htmutual"), f.to_bytes()).unwrap();
}

async fn hello(Authenticated(p): Authenticated) -> String {
    format!("hello, {} ({})\n", p.user, p.scheme)
}

/// Requests to `/counted`, and those of them that carry a Mutual `kc1` (a key exchange).
static COUNTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static KEX: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_request<B>(req: http::Request<B>) -> http::Request<B> {
    use std::sync::atomic::Ordering::SeqCst;
    COUNTED.fetch_add(1, SeqCst);
    if req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("kc1="))
    {
        KEX.fetch_add(1, SeqCst);
    }
    req
}

/// 302 to `/landing` on another origin: `localhost` at the port in the path.
async fn redirect_away(
    axum::extract::Path(port): axum::extract::Path<u16>,
) -> axum::response::Response {
    axum::response::Response::builder()
        .status(302)
        .header("location", format!("http://localhost:{port}/landing"))
        .body(axum::body::Body::empty())
        .unwrap()
}

/// 302 to `/digest` on the same origin.
async fn redirect_to_digest() -> axum::response::Response {
    axum::response::Response::builder()
        .status(302)
        .header("location", "/digest")
        .body(axum::body::Body::empty())
        .unwrap()
}

/// Reads the request body (so that hyper sends the `100 Continue` a request expects).
async fn echo(Authenticated(p): Authenticated, body: String) -> String {
    format!("{} sent {} bytes\n", p.user, body.len())
}

fn one(scheme: Arc<dyn AuthScheme>) -> AuthLayer {
    AuthLayer::new(Guard::builder().scheme(scheme).build())
}

/// The app under test: every route protected in one line.
fn app(dir: &Path) -> Router {
    let htpasswd: Arc<dyn httpauth_core::PasswordVerifier> = Arc::new(
        FileCache::<HtpasswdFile>::htpasswd(dir.join("users.htpasswd"), VerifyPolicy::default())
            .unwrap(),
    );
    let digest = |file: &str| -> Arc<dyn AuthScheme> {
        let store = FileCache::<HtdigestFile>::htdigest(dir.join(file)).unwrap();
        // Default settings: the algorithms the file can answer, qop=auth.
        Arc::new(
            digest_auth::DigestServer::builder(REALM, Arc::new(store))
                .build()
                .unwrap(),
        )
    };
    let htmutual =
        Arc::new(FileCache::<HtmutualFile>::htmutual(dir.join("users.htmutual")).unwrap());
    let basic: Arc<dyn AuthScheme> = Arc::new(BasicScheme::new(REALM, Arc::clone(&htpasswd)));

    let mut lab = CertAccess::default();
    lab.require_verified = true;
    lab.ssl_require = Some(Arc::new(
        cert_policy::Expr::parse(
            "%{SSL_CLIENT_S_DN_OU} eq \"Lab\"",
            cert_policy::Dialect::SslRequire,
        )
        .unwrap(),
    ));
    let cert = Guard::builder()
        .scheme(Arc::new(CertificateScheme::common_name()))
        .cert_access(lab, Satisfy::All)
        .build();
    let open = AuthLayer::from_schemes(
        vec![Arc::clone(&basic)],
        AccessRules::any(vec![Require::parse("all granted").unwrap()]).unwrap(),
    );

    let digest_int: Arc<dyn AuthScheme> = {
        let store = FileCache::<HtdigestFile>::htdigest(dir.join("sha256.htdigest")).unwrap();
        Arc::new(
            digest_auth::DigestServer::builder(REALM, Arc::new(store))
                .qops(&[digest_auth::Qop::Auth, digest_auth::Qop::AuthInt])
                .build()
                .unwrap(),
        )
    };
    let counted = {
        let alg = mutual_core::algorithm_by_token("iso-kam3-ec-p256-sha256").unwrap();
        mutual_core::server::MutualServer::new(
            mutual_core::server::ServerConfig::new(REALM).with_algorithms(&[alg]),
            Arc::clone(&htmutual) as Arc<dyn httpauth_core::CredentialStore>,
        )
    };
    let mut router = Router::new()
        .route(
            "/digest-int",
            get(hello).post(echo).route_layer(one(digest_int)),
        )
        .route(
            "/counted",
            get(hello)
                .route_layer(one(Arc::new(counted)))
                .layer(tower::util::MapRequestLayer::new(count_request)),
        )
        .route(
            "/digest-to/{port}",
            get(redirect_away).route_layer(one(digest("md5.htdigest"))),
        )
        .route("/open-to/{port}", get(redirect_away))
        .route("/open-to-digest", get(redirect_to_digest))
        .route("/basic", get(hello).route_layer(one(basic)))
        .route(
            "/digest",
            get(hello).route_layer(one(digest("md5.htdigest"))),
        )
        .route(
            "/digest256",
            get(hello).route_layer(one(digest("sha256.htdigest"))),
        )
        .route("/lab", get(hello).route_layer(AuthLayer::new(cert)))
        .route("/open", get(hello).route_layer(open));
    for (name, token) in ALGORITHMS {
        let alg = mutual_core::algorithm_by_token(token).unwrap();
        let server = mutual_core::server::MutualServer::new(
            mutual_core::server::ServerConfig::new(REALM).with_algorithms(&[alg]),
            Arc::clone(&htmutual) as Arc<dyn httpauth_core::CredentialStore>,
        );
        router = router.route(
            &format!("/mutual/{name}"),
            get(hello).post(echo).route_layer(one(Arc::new(server))),
        );
    }
    router
}

struct Server {
    http: SocketAddr,
    https: SocketAddr,
    /// Plain HTTP served by `httpauth::hyper::serve_connection` (axum::serve is `http`).
    hyper: SocketAddr,
    dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }
    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }
}

fn tls_acceptor(dir: &Path) -> (tokio_rustls::TlsAcceptor, httpauth::rustls::TlsFacts) {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let mut vc = cert_policy::VerifyConfig::new(cert_policy::VerifyClient::Optional);
    vc.ca = CertificateDer::pem_file_iter(dir.join("ca.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        cert_policy::ApacheClientVerifier::with_provider(vc, Arc::clone(&provider)).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(chain.clone(), key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let facts = httpauth::rustls::TlsFacts::new(&chain).with_client_verifier(verifier);
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), facts)
}

/// Starts the app on free loopback ports: http through `axum::serve` (peer address via
/// `ConnectInfo`), https through `httpauth::hyper::serve_connection` with `TlsFacts`.
fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    credential_files(dir.path());
    openssl_pki(dir.path());
    let app = app(dir.path());
    let (acceptor, facts) = tls_acceptor(dir.path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (http, https, hyper) = rt.block_on(async {
        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let https = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hyper = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = (
            http.local_addr().unwrap(),
            https.local_addr().unwrap(),
            hyper.local_addr().unwrap(),
        );
        let a = app.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, remote)) = hyper.accept().await else {
                    continue;
                };
                let app = a.clone();
                tokio::spawn(httpauth::hyper::serve_connection(
                    tcp,
                    ConnectionInfo::new(remote),
                    app,
                ));
            }
        });
        let a = app.clone();
        tokio::spawn(async move {
            axum::serve(http, a.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        tokio::spawn(async move {
            loop {
                let Ok((tcp, remote)) = https.accept().await else {
                    continue;
                };
                let (acceptor, facts, app) = (acceptor.clone(), facts.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let info = ConnectionInfo::new(remote).with_tls(facts.stream(&tls));
                    let _ = httpauth::hyper::serve_connection(tls, info, app).await;
                });
            }
        });
        addrs
    });
    Server {
        http,
        https,
        hyper,
        dir,
        _rt: rt,
    }
}

/// One server for the tests that do not flood it.
fn shared() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(start)
}

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 client, for the Mutual client engine

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn http_get(addr: SocketAddr, path: &str, authorization: Option<&str>) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    exchange(&mut s, addr, path, authorization)
}

/// The same over TLS (rustls, trusting the test CA); also returns the DER of the
/// certificate the server presented on this connection.
fn https_get(
    ca: &Path,
    addr: SocketAddr,
    path: &str,
    authorization: Option<&str>,
) -> (Reply, Vec<u8>) {
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let reply = exchange(&mut tls, addr, path, authorization);
    let cert = tls.conn.peer_certificates().unwrap()[0].to_vec();
    (reply, cert)
}

/// Sends one GET on `s` and reads the reply to the end.
fn exchange(
    s: &mut (impl std::io::Read + std::io::Write),
    addr: SocketAddr,
    path: &str,
    authorization: Option<&str>,
) -> Reply {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(a) = authorization {
        req.push_str(&format!("Authorization: {a}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The challenges in the lines of field `name` (none without the field).
fn challenges_in(r: &Reply, name: &str) -> Vec<httpauth_core::Challenge> {
    let lines = r.all(name);
    if lines.is_empty() {
        return Vec::new();
    }
    httpauth_headers::parse_challenges_lines(lines).unwrap()
}

fn mutual_client() -> MutualClient {
    let mut c = MutualClient::new();
    c.add_login(REALM, None, "alice", Password::from("wonderland"));
    c
}

/// One user-level request with the Mutual client; returns its status, the last reply and
/// the number of HTTP requests it took.
fn mutual_get(client: &mut MutualClient, addr: SocketAddr, path: &str) -> (Status, Reply, usize) {
    let target = RequestTarget::new(Origin::new("http", "127.0.0.1", addr.port()).unwrap(), path);
    drive(client, target, |auth| http_get(addr, path, auth))
}

/// [`mutual_get`] over https: the client binds the session to the certificate the
/// server presented (RFC 8120 section 7, `tls-server-end-point` of RFC 5929), taken from
/// a first connection.
fn mutual_get_https(
    client: &mut MutualClient,
    ca: &Path,
    addr: SocketAddr,
    path: &str,
) -> (Status, Reply, usize) {
    let (_, cert) = https_get(ca, addr, path, None);
    let end_point = mutual_core::scope::tls_server_end_point(&cert).unwrap();
    let origin = Origin::new("https", "127.0.0.1", addr.port()).unwrap();
    let target = RequestTarget::new(origin, path).with_tls_server_end_point(end_point);
    drive(client, target, |auth| https_get(ca, addr, path, auth).0)
}

/// Runs the client's sequence for `target`, sending each request with `send`.
fn drive(
    client: &mut MutualClient,
    target: RequestTarget,
    mut send: impl FnMut(Option<&str>) -> Reply,
) -> (Status, Reply, usize) {
    let (mut seq, first) = client.start(target).unwrap();
    let mut auth = first.map(|c| httpauth_headers::format_credentials(&c));
    for n in 1..=6 {
        let r = send(auth.as_deref());
        let challenges = challenges_in(&r, "www-authenticate");
        let optional = challenges_in(&r, "optional-www-authenticate");
        let info_lines = r.all("authentication-info");
        let info = (!info_lines.is_empty())
            .then(|| httpauth_headers::parse_authentication_info_lines(info_lines).unwrap());
        let resp = MResponse {
            status: r.status,
            challenges: &challenges,
            optional_challenges: &optional,
            authentication_info: info.as_ref(),
        };
        match client.on_response(&mut seq, &resp) {
            Ok(Next::Send(c)) => auth = Some(httpauth_headers::format_credentials(&c)),
            Ok(Next::Done(s)) => return (s, r, n),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => panic!("mutual client error: {e} (status {})", r.status),
        }
    }
    panic!("mutual sequence did not finish");
}

// ---------------------------------------------------------------------------------------
// Tests

/// Reads one response head (status line and fields) from `s`, byte by byte.
fn read_head(s: &mut impl std::io::Read) -> Reply {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut b).unwrap(), 1, "connection closed in a head");
        head.push(b[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let mut lines = text.trim_end().split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: String::new(),
    }
}

fn info_of(r: &Reply) -> Option<httpauth_core::AuthParams> {
    let lines = r.all("authentication-info");
    (!lines.is_empty()).then(|| httpauth_headers::parse_authentication_info_lines(lines).unwrap())
}

/// RFC 8120 section 4.5: a req-VFY-C sent with `Expect: 100-continue` gets the server's
/// `vks` in the `100 Continue` (so the client validates the server before it sends the
/// body) and not again in the final response; when the service answers without reading
/// the body, no 100 is sent and the field is in the final response.
#[test]
fn mutual_authentication_info_in_100_continue() {
    let srv = shared();
    let addr = srv.hyper;
    let mut client = mutual_client();
    let path = "/mutual/ec256";
    let (status, r, _) = mutual_get(&mut client, addr, path);
    assert!(
        matches!(status, Status::AuthSucceeded { .. }),
        "{status:?} {}",
        r.body
    );

    // The session is established: the next request starts with a req-VFY-C.
    let target =
        || RequestTarget::new(Origin::new("http", "127.0.0.1", addr.port()).unwrap(), path);
    let (mut seq, first) = client.start(target()).unwrap();
    let auth = httpauth_headers::format_credentials(&first.expect("a req-VFY-C"));
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\n\
         Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let interim = read_head(&mut s);
    assert_eq!(interim.status, 100, "{:?}", interim.headers);
    let info = info_of(&interim).expect("Authentication-Info in the 100 Continue");
    assert!(info.get("vks").is_some(), "{info:?}");
    client
        .on_informational(&mut seq, Some(&info))
        .expect("vks verified before the body");
    s.write_all(b"hello").unwrap();
    let last = read_head(&mut s);
    assert_eq!(last.status, 200);
    assert!(
        last.all("authentication-info").is_empty(),
        "the final response repeats the field: {:?}",
        last.headers
    );
    let resp = MResponse {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: None,
    };
    assert!(matches!(
        client.on_response(&mut seq, &resp).unwrap(),
        Next::Done(Status::AuthSucceeded { .. })
    ));

    // A handler that does not read the body: no 100, the field in the final response.
    let (mut seq, first) = client.start(target()).unwrap();
    let auth = httpauth_headers::format_credentials(&first.expect("a req-VFY-C"));
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\n\
         Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let last = read_head(&mut s);
    assert_eq!(last.status, 200, "{:?}", last.headers);
    let info = info_of(&last).expect("Authentication-Info in the final response");
    let resp = MResponse {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: Some(&info),
    };
    assert!(matches!(
        client.on_response(&mut seq, &resp).unwrap(),
        Next::Done(Status::AuthSucceeded { .. })
    ));

    // A wrong vks in a 100 would fail the client: tamper with a real one.
    let (mut seq, _) = client.start(target()).unwrap();
    let mut bad = info.clone();
    bad.set(httpauth_core::AuthParam::token("vks", "AAAA").unwrap());
    assert!(client.on_informational(&mut seq, Some(&bad)).is_err());
}

/// Mutual over https through the layer: the server's challenges name
/// `validation=tls-server-end-point` (the value `httpauth::rustls::TlsFacts` computed from
/// its certificate chain), the client binds to the certificate it saw, and the exchange
/// completes, then reuses the session.
#[test]
fn mutual_client_over_https_with_tls_server_end_point() {
    let s = shared();
    let ca = s.dir.path().join("ca.pem");
    for (name, token) in [ALGORITHMS[0], ALGORITHMS[1]] {
        let path = format!("/mutual/{name}");
        let (r, _) = https_get(&ca, s.https, &path, None);
        let challenge = r.all("www-authenticate").join(", ");
        assert!(challenge.contains(token), "{challenge}");
        assert!(
            challenge.contains("validation=tls-server-end-point"),
            "{challenge}"
        );
        let mut client = mutual_client();
        let (status, r, n) = mutual_get_https(&mut client, &ca, s.https, &path);
        assert!(
            matches!(status, Status::AuthSucceeded { ref user, .. } if user == "alice"),
            "{token}: {status:?}"
        );
        assert_eq!((r.status, n), (200, 3), "{token}");
        assert_eq!(r.body, "hello, alice (Mutual)\n", "{token}");
        let (status, _, n) = mutual_get_https(&mut client, &ca, s.https, &path);
        assert!(matches!(status, Status::AuthSucceeded { .. }), "{token}");
        assert_eq!(n, 1, "{token}: the session is reused");
    }
}

#[test]
fn curl_basic_bcrypt_and_sha() {
    let s = shared();
    let (code, body, _) = curl(&["-u", "alice:wonderland", &s.url("/basic")]);
    assert_eq!((code, body.as_str()), (200, "hello, alice (Basic)\n"));
    let (code, body, _) = curl(&["-u", "bob:builder", &s.url("/basic")]);
    assert_eq!((code, body.as_str()), (200, "hello, bob (Basic)\n"));
    let (code, _, h) = curl(&["-u", "alice:wrong", &s.url("/basic")]);
    assert_eq!(code, 401);
    assert!(
        h.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"e2e\""),
        "{h}"
    );
    let (code, _, h) = curl(&[&s.url("/basic")]);
    assert_eq!(code, 401);
    assert!(
        h.to_ascii_lowercase().contains("www-authenticate: basic"),
        "{h}"
    );
}

#[test]
fn curl_digest_md5_over_apache_htdigest_file_with_default_settings() {
    let s = shared();
    let (code, body, h) = curl(&["--digest", "-u", "alice:wonderland", &s.url("/digest")]);
    assert_eq!(
        (code, body.as_str()),
        (200, "hello, alice (Digest)\n"),
        "{h}"
    );
    assert!(
        h.to_ascii_lowercase().contains("authentication-info:"),
        "{h}"
    );
    let (code, _, h) = curl(&[&s.url("/digest")]);
    assert_eq!(code, 401);
    // The file has MD5 records only: MD5 is all that is offered.
    assert!(h.contains("algorithm=MD5"), "{h}");
    assert!(!h.contains("SHA-256"), "{h}");
    let (code, _, _) = curl(&["--digest", "-u", "alice:wrong", &s.url("/digest")]);
    assert_eq!(code, 401);
}

#[test]
fn curl_digest_sha256() {
    let s = shared();
    let (code, body, h) = curl(&["--digest", "-u", "alice:wonderland", &s.url("/digest256")]);
    assert_eq!(
        (code, body.as_str()),
        (200, "hello, alice (Digest)\n"),
        "{h}"
    );
    let (_, _, h) = curl(&[&s.url("/digest256")]);
    assert!(h.contains("algorithm=SHA-256"), "{h}");
}

#[test]
fn python_requests_basic_and_digest() {
    require_python_requests();
    let s = shared();
    let script = r#"
import sys, requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth
base = sys.argv[1]
r = requests.get(base + "/basic", auth=HTTPBasicAuth("alice", "wonderland"), timeout=60)
print(r.status_code, r.text.strip())
r = requests.get(base + "/digest", auth=HTTPDigestAuth("alice", "wonderland"), timeout=60)
print(r.status_code, r.text.strip())
r = requests.get(base + "/digest256", auth=HTTPDigestAuth("alice", "wonderland"), timeout=60)
print(r.status_code, r.text.strip())
r = requests.get(base + "/digest", auth=HTTPDigestAuth("alice", "nope"), timeout=60)
print(r.status_code)
"#;
    let out = run(Command::new("python3")
        .args(["-c", script])
        .arg(format!("http://{}", s.http)));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "200 hello, alice (Basic)",
            "200 hello, alice (Digest)",
            "200 hello, alice (Digest)",
            "401"
        ],
        "{text}"
    );
}

#[test]
fn mutual_client_all_four_algorithms_validation_host() {
    let s = shared();
    for (name, token) in ALGORITHMS {
        let path = format!("/mutual/{name}");
        let mut client = mutual_client();
        let (status, r, n) = mutual_get(&mut client, s.http, &path);
        assert!(
            matches!(status, Status::AuthSucceeded { ref user, .. } if user == "alice"),
            "{token}: {status:?}"
        );
        assert_eq!(r.status, 200, "{token}");
        assert_eq!(r.body, "hello, alice (Mutual)\n", "{token}");
        // 401-INIT, 401-KEX-S1, 200-VFY-S.
        assert_eq!(n, 3, "{token}");
        let challenge = http_get(s.http, &path, None)
            .all("www-authenticate")
            .join(", ");
        assert!(challenge.contains(token), "{challenge}");
        assert!(challenge.contains("validation=host"), "{challenge}");
        // The session is reused: one request.
        let (status, _, n) = mutual_get(&mut client, s.http, &path);
        assert!(matches!(status, Status::AuthSucceeded { .. }), "{token}");
        assert_eq!(n, 1, "{token}");
        // A wrong password fails.
        let mut wrong = MutualClient::new();
        wrong.add_login(REALM, None, "alice", Password::from("looking-glass"));
        let (status, r, _) = mutual_get(&mut wrong, s.http, &path);
        assert!(
            matches!(status, Status::AuthRequired { failed: true, .. }),
            "{token}: {status:?}"
        );
        assert_eq!(r.status, 401);
    }
}

#[test]
fn curl_client_certificate_over_https() {
    let s = shared();
    let url = format!("https://{}/lab", s.https);
    let ca = s.file("ca.pem");
    let (code, body, _) = curl(&[
        "--cacert",
        &ca,
        "--cert",
        &s.file("carol.pem"),
        "--key",
        &s.file("carol.key"),
        &url,
    ]);
    assert_eq!((code, body.as_str()), (200, "hello, carol (Certificate)\n"));
    // OU=Other fails SSLRequire; no certificate fails SSLVerifyClient require: 403, and no
    // 401 (nothing to challenge for).
    let (code, _, h) = curl(&[
        "--cacert",
        &ca,
        "--cert",
        &s.file("dave.pem"),
        "--key",
        &s.file("dave.key"),
        &url,
    ]);
    assert_eq!(code, 403, "{h}");
    let (code, _, h) = curl(&["--cacert", &ca, &url]);
    assert_eq!(code, 403, "{h}");
    assert!(!h.to_ascii_lowercase().contains("www-authenticate"), "{h}");
    // Basic over https too: the same app.
    let (code, body, _) = curl(&[
        "--cacert",
        &ca,
        "-u",
        "alice:wonderland",
        &format!("https://{}/basic", s.https),
    ]);
    assert_eq!((code, body.as_str()), (200, "hello, alice (Basic)\n"));
}

#[test]
fn extractor_rejection_carries_challenges() {
    let s = shared();
    // `Require all granted`: the layer lets the request through without a user; the
    // handler's `Authenticated` extractor answers 401 with the guard's challenges.
    let (code, _, h) = curl(&[&s.url("/open")]);
    assert_eq!(code, 401, "{h}");
    assert!(
        h.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"e2e\""),
        "{h}"
    );
}

#[test]
fn established_mutual_session_survives_a_flood_of_unfinished_key_exchanges() {
    // Its own server: the flood must not disturb the other tests.
    let s = start();
    let path = "/mutual/dl4096";
    let mut client = mutual_client();
    let (status, _, _) = mutual_get(&mut client, s.http, path);
    assert!(matches!(status, Status::AuthSucceeded { .. }), "{status:?}");

    // A few req-KEX-C1 to replay: each makes the server do a 4096-bit key exchange.
    let mut kex = Vec::new();
    for _ in 0..4 {
        let mut c = mutual_client();
        let target = RequestTarget::new(
            Origin::new("http", "127.0.0.1", s.http.port()).unwrap(),
            path,
        );
        let (mut seq, _) = c.start(target).unwrap();
        let r = http_get(s.http, path, None);
        let cs = challenges_in(&r, "www-authenticate");
        let resp = MResponse {
            status: r.status,
            challenges: &cs,
            optional_challenges: &[],
            authentication_info: None,
        };
        match c.on_response(&mut seq, &resp).unwrap() {
            Next::Send(cr) => kex.push(httpauth_headers::format_credentials(&cr)),
            other => panic!("{other:?}"),
        }
    }
    let kex = Arc::new(kex);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counts = Arc::new(std::sync::Mutex::new(
        std::collections::BTreeMap::<u16, u32>::new(),
    ));
    let mut flood = Vec::new();
    for i in 0..48 {
        let (kex, stop, counts, addr) = (
            Arc::clone(&kex),
            Arc::clone(&stop),
            Arc::clone(&counts),
            s.http,
        );
        flood.push(std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Sent and abandoned: the 401-KEX-S1 is never answered with req-VFY-C.
                let r = http_get(addr, path, Some(&kex[i % kex.len()]));
                *counts.lock().unwrap().entry(r.status).or_default() += 1;
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let (status, r, n) = mutual_get(&mut client, s.http, path);
        let took = t.elapsed();
        worst = worst.max(took);
        assert!(matches!(status, Status::AuthSucceeded { .. }), "{status:?}");
        assert_eq!(
            (r.status, n),
            (200, 1),
            "the established session answers at once"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in flood {
        t.join().unwrap();
    }
    let counts = counts.lock().unwrap().clone();
    eprintln!("flood answers by status: {counts:?}; worst established-session latency {worst:?}");
    // The flood was real (key exchanges were made, 401-KEX-S1) and bounded (503 with
    // Retry-After once the Mutual pool's queue was full) ...
    assert!(counts.get(&401).copied().unwrap_or(0) > 0, "{counts:?}");
    assert!(counts.keys().all(|c| [401, 503].contains(c)), "{counts:?}");
    // ... and the established session never waited behind it.
    assert!(worst < Duration::from_secs(1), "worst latency {worst:?}");
}

#[tokio::test]
async fn extractor_without_the_layer_is_500_and_optional_extractor_is_none() {
    use tower::ServiceExt as _;
    async fn maybe(user: Option<Authenticated>) -> String {
        user.map_or_else(|| "anonymous\n".to_owned(), |Authenticated(p)| p.user)
    }
    // No layer: nobody can ask for credentials, and a bare 401 is never sent.
    let bare = Router::new().route("/", get(hello));
    let r = bare
        .oneshot(
            http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers().get("www-authenticate").is_none());
    // `Option<Authenticated>` behind a `Require all granted` guard: served anonymously.
    let open = AuthLayer::from_schemes(
        vec![Arc::new(BasicScheme::new(REALM, Arc::new(NoUsers)))],
        AccessRules::any(vec![Require::parse("all granted").unwrap()]).unwrap(),
    );
    let app = Router::new().route("/", get(maybe).route_layer(open));
    let r = app
        .oneshot(
            http::Request::get("/")
                .header("host", "localhost")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

struct NoUsers;
impl httpauth_core::PasswordVerifier for NoUsers {
    fn verify_password(&self, _: &str, _: &Password) -> Result<bool, httpauth_core::Error> {
        Ok(false)
    }
}

// ---------------------------------------------------------------------------------------
// The client side: the reqwest middleware and the hyper adapter against this server

/// A reqwest client with the middleware: rustls (ring) trusting the test CA, TLS facts
/// on (for Mutual's tls-server-end-point), reqwest's own redirects off.
fn rq(ca: Option<&Path>, auth: AuthClient) -> reqwest_middleware::ClientWithMiddleware {
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        for c in rustls_pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .tls_info(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    reqwest_middleware::ClientBuilder::new(http)
        .with(AuthMiddleware::new(auth))
        .build()
}

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// GET `url`: status and body, or the engine's error.
async fn get_text(
    c: &reqwest_middleware::ClientWithMiddleware,
    url: &str,
) -> Result<(u16, String), ClientError> {
    match c.get(url).send().await {
        Ok(r) => Ok((r.status().as_u16(), r.text().await.unwrap())),
        Err(reqwest_middleware::Error::Middleware(e)) => Err(e.downcast::<ClientError>().unwrap()),
        Err(e) => panic!("transport: {e}"),
    }
}

fn alice() -> AuthClient {
    AuthClient::new("alice", Password::from("wonderland"))
}

/// Every scheme and algorithm of this server through the reqwest middleware: Basic (https;
/// refused over http unless allowed), Digest MD5 over Apache's htdigest file and SHA-256,
/// Digest `auth-int` over a POST body with `rspauth` checked over the response body,
/// Mutual with all four algorithms over http and two over https (tls-server-end-point
/// from the connection), and refusals as distinct errors.
#[test]
fn reqwest_middleware_every_scheme_and_algorithm() {
    let srv = shared();
    let ca = srv.dir.path().join("ca.pem");
    let https = |p: &str| format!("https://127.0.0.1:{}{p}", srv.https.port());
    block_on(async {
        let c = rq(Some(&ca), alice());
        assert_eq!(
            get_text(&c, &https("/basic")).await.unwrap(),
            (200, "hello, alice (Basic)\n".into())
        );
        match get_text(&c, &srv.url("/basic")).await {
            Err(ClientError::NothingUsable { missing, .. }) => {
                assert!(
                    missing.iter().any(|m| m.contains("plain http")),
                    "{missing:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let bob = rq(
            None,
            AuthClient::builder()
                .login("bob", Password::from("builder"))
                .basic_over_http(true)
                .build(),
        );
        assert_eq!(get_text(&bob, &srv.url("/basic")).await.unwrap().0, 200);

        for path in ["/digest", "/digest256"] {
            assert_eq!(
                get_text(&c, &srv.url(path)).await.unwrap(),
                (200, "hello, alice (Digest)\n".into()),
                "{path}"
            );
        }
        // auth-int: the body is covered, and rspauth over the response body checks out.
        let r = c
            .post(srv.url("/digest-int"))
            .body("nine byte")
            .send()
            .await
            .unwrap();
        let info = r.headers()["authentication-info"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(info.contains("qop=auth-int"), "{info}");
        assert_eq!(r.text().await.unwrap(), "alice sent 9 bytes\n");

        for (name, _) in ALGORITHMS {
            let p = format!("/mutual/{name}");
            assert_eq!(
                get_text(&c, &srv.url(&p)).await.unwrap(),
                (200, "hello, alice (Mutual)\n".into()),
                "{name}"
            );
        }
        for name in ["ec256", "dl2048"] {
            let p = format!("/mutual/{name}");
            assert_eq!(
                get_text(&c, &https(&p)).await.unwrap(),
                (200, "hello, alice (Mutual)\n".into()),
                "https {name}"
            );
        }

        let wrong = rq(None, AuthClient::new("alice", Password::from("nope")));
        for (path, scheme) in [("/digest", "Digest"), ("/mutual/ec256", "Mutual")] {
            match get_text(&wrong, &srv.url(path)).await {
                Err(ClientError::CredentialsRefused { scheme: s, .. }) => assert_eq!(s, scheme),
                other => panic!("{path}: {other:?}"),
            }
        }
        // Mutual refuses an empty password before sending anything (RFC 8120 section 9).
        let empty = rq(None, AuthClient::new("alice", Password::from("")));
        assert!(matches!(
            get_text(&empty, &srv.url("/mutual/ec256")).await,
            Err(ClientError::Local(_))
        ));
    });
}

/// RFC 8120 sessions are reused: 20 requests to one Mutual origin through the middleware
/// cost one key exchange (one request carrying `kc1`) and 22 requests in all (the first
/// one's 401-INIT and 401-KEX-S1, then one req-VFY-C each).
#[test]
fn twenty_requests_one_key_exchange() {
    use std::sync::atomic::Ordering::SeqCst;
    let srv = shared();
    block_on(async {
        let c = rq(None, alice());
        for i in 0..20 {
            assert_eq!(
                get_text(&c, &srv.url("/counted")).await.unwrap().0,
                200,
                "request {i}"
            );
        }
    });
    assert_eq!(KEX.load(SeqCst), 1, "key exchanges");
    assert_eq!(COUNTED.load(SeqCst), 22, "requests on the wire");
}

/// An origin that records the request heads it gets and answers 200 "landing".
fn recorder() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Read as _;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let s = Arc::clone(&seen);
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && c.read(&mut b).unwrap_or(0) == 1 {
                head.push(b[0]);
            }
            s.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            let _ = c.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nlanding\n",
            );
        }
    });
    (port, seen)
}

/// Redirects: the request-target is recomputed for each hop (a same-origin redirect to a
/// Digest location authenticates there), and neither the middleware's credentials nor
/// a caller's own `Authorization` go to another origin.
#[test]
fn redirects_recompute_the_target_and_never_carry_credentials_across_origins() {
    let srv = shared();
    let (port, seen) = recorder();
    block_on(async {
        let c = rq(None, alice());
        assert_eq!(
            get_text(&c, &srv.url("/open-to-digest")).await.unwrap(),
            (200, "hello, alice (Digest)\n".into())
        );
        // Digest state exists for this origin; the protected redirect is authenticated
        // (nonce reused), and the hop to localhost:port is not.
        let r = get_text(&c, &srv.url(&format!("/digest-to/{port}"))).await;
        assert_eq!(r.unwrap(), (200, "landing\n".into()));
        let r = c
            .get(srv.url(&format!("/open-to/{port}")))
            .header("authorization", "Bearer caller-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "landing\n");
    });
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    for h in &heads {
        assert!(h.starts_with("GET /landing "), "{h}");
        assert!(
            !h.to_ascii_lowercase().contains("authorization"),
            "credentials crossed origins: {h}"
        );
    }
}

/// A fake server: answers the n-th connection's request with `replies[n]`.
fn fake(replies: Vec<&'static str>) -> u16 {
    use std::io::Read as _;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((mut c, _)) = l.accept() else { return };
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && c.read(&mut b).unwrap_or(0) == 1 {
                head.push(b[0]);
            }
            let _ = c.write_all(reply.as_bytes());
        }
    });
    port
}

/// Distinct errors for a server that does not prove itself (wrong `rspauth`), one that
/// offers nothing usable (named, with what is missing), and a 401 without a challenge.
#[test]
fn client_errors_say_who_is_at_fault() {
    let challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"f\", \
                     nonce=\"abc\", qop=\"auth\", algorithm=SHA-256\r\nContent-Length: 0\r\n\
                     Connection: close\r\n\r\n";
    let wrong_rspauth = "HTTP/1.1 200 OK\r\nAuthentication-Info: rspauth=\"00\", qop=auth\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n";
    let port = fake(vec![challenge, wrong_rspauth]);
    block_on(async {
        let c = rq(None, alice());
        let url = format!("http://127.0.0.1:{port}/x");
        match get_text(&c, &url).await {
            Err(
                e @ ClientError::ServerNotVerified {
                    scheme: "Digest", ..
                },
            ) => {
                assert!(e.to_string().contains("failed Digest verification"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        let port = fake(vec![
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"api\"\r\n\
             WWW-Authenticate: Digest realm=\"x\", nonce=\"n\", algorithm=SHA-1, qop=\"auth\"\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
        ]);
        match get_text(&c, &format!("http://127.0.0.1:{port}/")).await {
            Err(ClientError::NothingUsable {
                offered, missing, ..
            }) => {
                assert_eq!(offered, ["Bearer", "Digest (SHA-1)"]);
                assert!(
                    missing.iter().any(|m| m.starts_with("Bearer")),
                    "{missing:?}"
                );
                assert!(missing.iter().any(|m| m.contains("SHA-1")), "{missing:?}");
            }
            other => panic!("{other:?}"),
        }
        let port = fake(vec![
            "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ]);
        assert!(matches!(
            get_text(&c, &format!("http://127.0.0.1:{port}/")).await,
            Err(ClientError::Protocol(_))
        ));
    });
}

/// The hyper-util adapter: Digest and Mutual over a plain `hyper_util` legacy client.
#[test]
fn hyper_adapter_digest_and_mutual() {
    use hyper_util::client::legacy::Client;
    let srv = shared();
    block_on(async {
        let http: Client<_, http_body_util::Full<bytes::Bytes>> =
            Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        let auth = alice();
        for (path, scheme) in [("/digest256", "Digest"), ("/mutual/ec256", "Mutual")] {
            for _ in 0..2 {
                let req = http::Request::get(srv.url(path))
                    .body(bytes::Bytes::new())
                    .unwrap();
                let r = httpauth::client::hyper::send(&http, &auth, req)
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                assert_eq!(
                    r.body().as_ref(),
                    format!("hello, alice ({scheme})\n").as_bytes()
                );
            }
        }
    });
}

/// A UTF-8 realm (RFC 7616 section 3.3 allows it in the quoted-string) is answered, not
/// dropped because the field is not visible ASCII.
#[test]
fn utf8_digest_realm_is_answered() {
    let port = fake(vec![
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"J\u{fc}rgens Reich\", \
         nonce=\"abc\", qop=\"auth\", algorithm=SHA-256, charset=UTF-8\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
    ]);
    block_on(async {
        let c = rq(None, alice());
        assert_eq!(
            get_text(&c, &format!("http://127.0.0.1:{port}/"))
                .await
                .unwrap(),
            (200, "ok\n".into())
        );
    });
}
