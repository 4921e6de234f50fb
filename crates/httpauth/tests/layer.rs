//! The tower layer without a network: path normalisation at the edge, the credentials
//! field, proxy mode, Digest `auth-int` both ways (request body digested and re-attached,
//! `rspauth` over the response body), the 413 limit, and what the inner service finds in
//! the request extensions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

use bytes::Bytes;
use digest_auth::{BodyHasher, DigestClient, DigestServer, MemoryCredentials, Qop};
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full};
use httpauth::layer::{AuthLayer, ConnectionInfo, RequestBody, ResponseBody};
use httpauth::path::NormalizedPath;
use httpauth::{BasicScheme, Guard, Principal};
use httpauth_core::{HashFunction, Password, PasswordVerifier};
use std::convert::Infallible;
use std::sync::Arc;
use tower::{Service, ServiceExt as _};
use tower_layer::Layer as _;

struct Users;
impl PasswordVerifier for Users {
    fn verify_password(&self, user: &str, pw: &Password) -> Result<bool, httpauth_core::Error> {
        Ok(user == "alice" && pw.expose_secret() == "wonderland")
    }
}

/// Echoes the request body, and reports what the layer left in the extensions.
async fn echo(req: Request<RequestBody>) -> Result<Response<Full<Bytes>>, Infallible> {
    let user = req.extensions().get::<Principal>().map(|p| p.user.clone());
    let path = req
        .extensions()
        .get::<NormalizedPath>()
        .map(|p| p.as_str().to_owned());
    let proxy_auth = req.headers().contains_key("proxy-authorization");
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut r = Response::new(Full::new(body));
    r.headers_mut()
        .insert("x-user", user.unwrap_or_default().parse().unwrap());
    r.headers_mut()
        .insert("x-path", path.unwrap_or_default().parse().unwrap());
    r.headers_mut()
        .insert("x-proxy-auth", proxy_auth.to_string().parse().unwrap());
    Ok(r)
}

fn request(
    method: &str,
    target: &str,
    fields: &[(&str, &str)],
    body: &str,
) -> Request<RequestBody> {
    let mut b = Request::builder()
        .method(method)
        .uri(target)
        .header("host", "example.org");
    for (k, v) in fields {
        b = b.header(*k, *v);
    }
    let mut r = b
        .body(RequestBody::from(Bytes::from(body.to_owned())))
        .unwrap();
    r.extensions_mut()
        .insert(ConnectionInfo::new(([127, 0, 0, 1], 5000).into()));
    r
}

async fn send<S>(svc: &mut S, req: Request<RequestBody>) -> (Response<ResponseBody>, Bytes)
where
    S: Service<Request<RequestBody>, Response = Response<ResponseBody>, Error = Infallible>,
{
    let r = svc.ready().await.unwrap().call(req).await.unwrap();
    let (p, b) = r.into_parts();
    let bytes = b.collect().await.unwrap().to_bytes();
    (Response::from_parts(p, ResponseBody::default()), bytes)
}

fn basic_layer(proxy: bool) -> AuthLayer {
    AuthLayer::new(
        Guard::builder()
            .scheme(Arc::new(BasicScheme::new("r", Arc::new(Users))))
            .proxy(proxy)
            .build(),
    )
}

fn field<'a>(r: &'a Response<ResponseBody>, name: &str) -> &'a str {
    r.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn path_is_normalised_once_and_passed_on() {
    let mut svc = basic_layer(false).layer(tower::service_fn(echo));
    let alice = httpauth_headers::basic::encode("alice", "wonderland").unwrap();
    let (r, _) = send(
        &mut svc,
        request("GET", "/a/./b//%63", &[("authorization", &alice)], ""),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(field(&r, "x-path"), "/a/b/c");
    assert_eq!(field(&r, "x-user"), "alice");
    assert_eq!(field(&r, "cache-control"), "no-store");
    // Above the root: refused before anything else, with the status path.rs gives.
    let (r, _) = send(
        &mut svc,
        request("GET", "/../etc", &[("authorization", &alice)], ""),
    )
    .await;
    let expected = NormalizedPath::parse("/../etc").unwrap_err().http_status();
    assert_eq!(r.status().as_u16(), expected);
}

#[tokio::test]
async fn two_credentials_fields_are_400_and_none_is_401_with_challenge() {
    let mut svc = basic_layer(false).layer(tower::service_fn(echo));
    let alice = httpauth_headers::basic::encode("alice", "wonderland").unwrap();
    let (r, _) = send(
        &mut svc,
        request(
            "GET",
            "/",
            &[("authorization", &alice), ("authorization", &alice)],
            "",
        ),
    )
    .await;
    assert_eq!(r.status(), 400);
    let (r, _) = send(&mut svc, request("GET", "/", &[], "")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        field(&r, "www-authenticate"),
        "Basic realm=\"r\", charset=\"UTF-8\""
    );
}

#[tokio::test]
async fn proxy_mode_uses_407_and_consumes_proxy_authorization() {
    let mut svc = basic_layer(true).layer(tower::service_fn(echo));
    let alice = httpauth_headers::basic::encode("alice", "wonderland").unwrap();
    let (r, _) = send(
        &mut svc,
        request("GET", "http://upstream.example/x", &[], ""),
    )
    .await;
    assert_eq!(r.status(), 407);
    assert!(field(&r, "proxy-authenticate").starts_with("Basic realm=\"r\""));
    assert!(r.headers().get("www-authenticate").is_none());
    // Authorization is for the origin, not for this proxy.
    let (r, _) = send(
        &mut svc,
        request(
            "GET",
            "http://upstream.example/x",
            &[("authorization", &alice)],
            "",
        ),
    )
    .await;
    assert_eq!(r.status(), 407);
    let (r, _) = send(
        &mut svc,
        request(
            "GET",
            "http://upstream.example/x",
            &[("proxy-authorization", &alice)],
            "",
        ),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(field(&r, "x-user"), "alice");
    assert_eq!(field(&r, "x-proxy-auth"), "false");
}

fn digest_layer() -> AuthLayer {
    let mut creds = MemoryCredentials::new();
    creds.add_password("alice", Password::from("wonderland"));
    let server = DigestServer::builder("r", Arc::new(creds))
        .qops(&[Qop::Auth, Qop::AuthInt])
        .build()
        .unwrap();
    AuthLayer::new(Guard::builder().scheme(Arc::new(server)).build()).max_request_body(64)
}

#[tokio::test]
async fn digest_auth_int_covers_both_bodies_and_the_limit_is_413() {
    let mut svc = digest_layer().layer(tower::service_fn(echo));
    let (r, _) = send(&mut svc, request("POST", "/upload", &[], "")).await;
    assert_eq!(r.status(), 401);
    let cs = httpauth_headers::http_types::challenges_from(r.headers().get_all("www-authenticate"))
        .unwrap();
    let body = "the request body";
    let hashes = [
        HashFunction::Md5,
        HashFunction::Sha256,
        HashFunction::Sha512_256,
    ];
    let digests = BodyHasher::digest_all(&hashes, body.as_bytes());
    let mut client = DigestClient::new("alice", Password::from("wonderland"));
    let auth = client
        .respond(&cs, "POST", "/upload", Some(&digests))
        .unwrap();
    assert_eq!(auth.qop(), Some(Qop::AuthInt));
    let header = httpauth_headers::format_credentials(auth.credentials());
    let (r, echoed) = send(
        &mut svc,
        request("POST", "/upload", &[("authorization", &header)], body),
    )
    .await;
    assert_eq!(r.status(), 200);
    // The body read for the digest reached the inner service intact.
    assert_eq!(echoed, body.as_bytes());
    // rspauth over the response body (RFC 7616 section 3.5), which the client checks.
    let info = httpauth_headers::http_types::authentication_info_from(
        r.headers().get_all("authentication-info"),
    )
    .unwrap();
    let response_digests = BodyHasher::digest_all(&hashes, &echoed);
    client
        .verify_authentication_info(&auth, &info, Some(&response_digests))
        .unwrap();

    // Over the limit (64 bytes): 413 before authentication.
    let big = "x".repeat(65);
    let digests = BodyHasher::digest_all(&hashes, big.as_bytes());
    let auth = client
        .authorize("POST", "/upload", Some(&digests))
        .unwrap()
        .unwrap();
    let header = httpauth_headers::format_credentials(auth.credentials());
    let (r, _) = send(
        &mut svc,
        request("POST", "/upload", &[("authorization", &header)], &big),
    )
    .await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn a_certificate_only_guard_never_answers_401() {
    let layer = AuthLayer::new(
        Guard::builder()
            .scheme(Arc::new(httpauth::CertificateScheme::common_name()))
            .build(),
    );
    let mut svc = layer.layer(tower::service_fn(echo));
    let (r, _) = send(&mut svc, request("GET", "/", &[], "")).await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("www-authenticate").is_none());
}
