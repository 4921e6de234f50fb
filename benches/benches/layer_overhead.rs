//! `httpauth::layer::AuthLayer`: what the layer costs per request over the bare inner
//! service, in the same criterion group as the baseline.
//!
//! - baseline: the inner service alone (a `tower::service_fn` answering `ok`), called
//!   through the same `block_on` on a current-thread runtime;
//! - Basic `{SHA}`: path normalisation, `Authorization` parsing, the request facts, the
//!   guard (Basic is `Cost::Cpu`, so the `{SHA}` check runs on the Basic pool's blocking
//!   thread: that hop is part of the figure), the principal in the extensions, the
//!   response fields (`Cache-Control: no-store`) and boxing the response body;
//! - Digest MD5, `qop=auth`, one nonce reused with an increasing `nc` (as a browser does):
//!   the same, with the Digest verification inline (`Cost::Cheap`) and
//!   `Authentication-Info` (`rspauth`) added to the response.
//!
//! Beside each layered figure, the scheme alone (header parsed, `authenticate` called
//! inline, no layer) shows how much of it is the scheme's own work.
//!
//! Run: `cargo bench -p httpauth-benches --bench layer_overhead`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use digest_auth::{DigestClient, DigestServer, Qop};
use http::{Request, Response};
use http_body_util::Full;
use httpauth::layer::{AuthLayer, ConnectionInfo, RequestBody};
use httpauth::{BasicScheme, CredentialCache, Guard};
use httpauth_core::{AuthScheme as _, RequestContext};
use tower::{Service, ServiceExt as _};

const REALM: &str = "bench";
const PATH: &str = "/dir/index.html";

async fn inner(_req: Request<RequestBody>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"ok\n"))))
}

fn request(authorization: Option<&str>) -> Request<RequestBody> {
    let mut b = Request::get(PATH).header("host", "example.org");
    if let Some(a) = authorization {
        b = b.header("authorization", a);
    }
    let mut r = b
        .body(RequestBody::from(Bytes::new()))
        .unwrap_or_else(|e| panic!("{e}"));
    r.extensions_mut()
        .insert(ConnectionInfo::new(([127, 0, 0, 1], 40000).into()));
    r
}

fn call<S>(rt: &tokio::runtime::Runtime, svc: &mut S, req: Request<RequestBody>) -> u16
where
    S: Service<Request<RequestBody>, Response = Response<httpauth::layer::ResponseBody>>,
    S::Error: std::fmt::Debug,
{
    rt.block_on(async {
        let r = svc
            .ready()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .call(req)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        r.status().as_u16()
    })
}

fn layer_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("layer overhead per request, inner service answers 3 bytes");

    // Baseline: the bare inner service.
    let mut bare = tower::service_fn(inner);
    g.bench_function("baseline: bare inner service", |b| {
        b.iter_batched(
            || request(None),
            |req| {
                rt.block_on(async {
                    let r = bare
                        .ready()
                        .await
                        .unwrap_or_else(|e| match e {})
                        .call(req)
                        .await;
                    black_box(r.map(|r| r.status().as_u16()))
                })
            },
            BatchSize::SmallInput,
        )
    });

    // Basic {SHA}.
    let mut f = authfile::HtpasswdFile::new();
    f.set_password(
        "Mufasa",
        &"Circle of Life".into(),
        authfile::HashAlgorithm::Sha1Insecure,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let pw = dir.path().join("htpasswd");
    std::fs::write(&pw, f.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let users = authfile::FileCache::<authfile::HtpasswdFile>::htpasswd(
        pw,
        authfile::VerifyPolicy::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let basic_scheme = Arc::new(BasicScheme::new(REALM, Arc::new(users)));
    let guard = Guard::builder().scheme(basic_scheme.clone()).build();
    let mut basic = tower_layer::Layer::layer(&AuthLayer::new(guard), tower::service_fn(inner));
    let header = httpauth_headers::basic::encode("Mufasa", "Circle of Life")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(call(&rt, &mut basic, request(Some(&header))), 200);
    let ctx = RequestContext::new("GET", PATH, "http", "example.org");
    g.bench_function(
        "scheme alone: Basic {SHA} parse + authenticate, inline",
        |b| {
            b.iter(|| {
                let c = httpauth_headers::parse_credentials(black_box(&header))
                    .unwrap_or_else(|e| panic!("{e}"));
                black_box(basic_scheme.authenticate(&ctx, &c).is_authenticated())
            })
        },
    );
    g.bench_function("layer: Basic {SHA} (check on the Basic pool)", |b| {
        b.iter_batched(
            || request(Some(&header)),
            |req| black_box(call(&rt, &mut basic, req)),
            BatchSize::SmallInput,
        )
    });

    // Basic {SHA} with the verified-credential cache: a hit is Cost::Cheap, inline.
    let cached = Guard::builder()
        .scheme(Arc::new(
            BasicScheme::new(
                REALM,
                Arc::new(
                    authfile::FileCache::<authfile::HtpasswdFile>::htpasswd(
                        dir.path().join("htpasswd"),
                        authfile::VerifyPolicy::default(),
                    )
                    .unwrap_or_else(|e| panic!("{e}")),
                ),
            )
            .with_cache(
                CredentialCache::new(std::time::Duration::from_secs(300), 1024)
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        ))
        .build();
    let mut cached = tower_layer::Layer::layer(&AuthLayer::new(cached), tower::service_fn(inner));
    assert_eq!(call(&rt, &mut cached, request(Some(&header))), 200);
    g.bench_function("layer: Basic {SHA}, CredentialCache hit (inline)", |b| {
        b.iter_batched(
            || request(Some(&header)),
            |req| black_box(call(&rt, &mut cached, req)),
            BatchSize::SmallInput,
        )
    });

    // Digest MD5, one nonce, nc increasing.
    let mut f = authfile::HtdigestFile::new();
    f.set_password(
        "Mufasa",
        REALM,
        &"Circle of Life".into(),
        authfile::DigestHash::Md5,
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dg = dir.path().join("htdigest");
    std::fs::write(&dg, f.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let store = authfile::FileCache::<authfile::HtdigestFile>::htdigest(dg)
        .unwrap_or_else(|e| panic!("{e}"));
    let server = DigestServer::builder(REALM, Arc::new(store))
        .qops(&[Qop::Auth])
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let server = Arc::new(server);
    let guard = Guard::builder().scheme(server.clone()).build();
    let mut digest = tower_layer::Layer::layer(&AuthLayer::new(guard), tower::service_fn(inner));
    // The first request gets the challenge; the client answers it once, then reuses the
    // nonce with nc = 2, 3, ...
    let challenge = rt.block_on(async {
        let r = digest
            .ready()
            .await
            .unwrap_or_else(|e| match e {})
            .call(request(None))
            .await
            .unwrap_or_else(|e| match e {});
        assert_eq!(r.status().as_u16(), 401);
        httpauth_headers::http_types::challenges_from(r.headers().get_all("www-authenticate"))
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
    let first = client
        .respond(&challenge, "GET", PATH, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let first = httpauth_headers::format_credentials(first.credentials());
    assert_eq!(call(&rt, &mut digest, request(Some(&first))), 200);
    client.mark_success();
    g.bench_function("scheme alone: Digest MD5 parse + authenticate, nc+1", |b| {
        b.iter_batched(
            || match client.authorize("GET", PATH, None) {
                Ok(Some(a)) => httpauth_headers::format_credentials(a.credentials()),
                Ok(None) => panic!("no digest state"),
                Err(e) => panic!("{e}"),
            },
            |h| {
                let c = httpauth_headers::parse_credentials(&h).unwrap_or_else(|e| panic!("{e}"));
                let ok = server.authenticate(&ctx, &c).is_authenticated();
                assert!(ok);
                black_box(ok)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("layer: Digest MD5, qop=auth, nonce reused, nc+1", |b| {
        b.iter_batched(
            || {
                let a = match client.authorize("GET", PATH, None) {
                    Ok(Some(a)) => a,
                    Ok(None) => panic!("no digest state"),
                    Err(e) => panic!("{e}"),
                };
                request(Some(&httpauth_headers::format_credentials(a.credentials())))
            },
            |req| {
                let status = call(&rt, &mut digest, req);
                assert_eq!(status, 200);
                black_box(status)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, layer_overhead);
criterion_main!(benches);
