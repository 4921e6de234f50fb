//! `httpauth-headers` parse throughput beside the `http-auth` crate's `ChallengeParser`,
//! on `WWW-Authenticate` values both accept (http-auth takes no `token68` challenges and
//! no non-ASCII, so the inputs have neither).
//!
//! Each group measures, on the same input:
//! - `http-auth parse_challenges`: its borrowed `ChallengeRef`s collected into a `Vec`
//!   (values stay escaped until asked for);
//! - `httpauth-headers parse_challenges_ref`: the like-for-like borrowed views (values stay
//!   escaped or encoded until asked for), plus duplicate-parameter checks and RFC 8187
//!   validation, which http-auth does not do;
//! - `httpauth-headers parse_challenges`: the owned `httpauth-core` types (every name and
//!   value copied and unescaped), for reference.
//!
//! Run: `cargo bench -p httpauth-benches --bench headers_parse`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const KS1: &str = "nIdVxV4Z3K0hM7vtvWZb3iYpCAfzBJr2sS+Dq0T3Yb8ZjCtSgF0vHWV7j5p0sbE3rJ9tCo1cxhPbPWqk1p8x\
Jw0m8r3dD1FEXhVYRtnlwNcxD+VbS6J2NBbw3O4W7yJH2vZQkD0jvCMWb6Tb6N1aE4X4mN8C0yQyLq3W2gk7pA8m\
5cJ1tWIf6zM8m8v0mXr8uS4ZbEoR2X5zQWm0Z9v7wJ3cQ2xZpC5cY7v3M4f1pD9gT2lK8hR0eF6sA1wQ3xN5bV7cU\
9jH2kL4mP6oR8tV0yX2zA4cE6gI8kM0oQ2sU4wY6aC8eG0iK2mO4qS6uW8yA0cE2gI4kM6oQ8sU0wY2aC4eG6iK8\
mO0qS2uW4yA6cE8gI0kM2oQ4sU6wY8aC0eG2iK4mO6qS8uW0yA2cE4gI6kM8oQ0sU2wY4aC6eG8iK0mO2qS4uW6y\
A8cE0gI2kM4oQ6sU8wY0aC2eG4iK6mO8qS0uW2yA4cE6gI8kM0oQ2sU4wY6aC8eG0iK2mO4qS6uW8yA0cE2gI4k==";

fn inputs() -> Vec<(&'static str, String)> {
    vec![
        ("basic, 24 B", r#"Basic realm="WallyWorld""#.to_owned()),
        (
            "rfc7235 newauth + basic, escapes",
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#
                .to_owned(),
        ),
        (
            "rfc7616 two digest challenges",
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, \
             nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", \
             Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, \
             nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
                .to_owned(),
        ),
        (
            "rfc8120 401-KEX-S1, 700 B base64",
            format!(
                "Mutual version=1, algorithm=iso-kam3-dl-2048-sha256, validation=host, \
                 realm=\"a realm\", reason=initial, sid=0123456789abcdef0123456789abcdef, \
                 ks1=\"{KS1}\", nc-max=4294967295, nc-window=128, time=3600, path=\"/ /api/\""
            ),
        ),
    ]
}

fn parse_www_authenticate(c: &mut Criterion) {
    for (name, input) in inputs() {
        // Both must accept the input and see the same challenges, or the comparison is moot.
        let ours = httpauth_headers::parse_challenges(&input).unwrap_or_default();
        let theirs = http_auth::parse_challenges(&input).unwrap_or_default();
        assert!(!ours.is_empty() && ours.len() == theirs.len(), "{name}");

        let mut g = c.benchmark_group(format!("parse WWW-Authenticate, {name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function("http-auth parse_challenges", |b| {
            b.iter(|| http_auth::parse_challenges(black_box(&input)))
        });
        g.bench_function("httpauth-headers parse_challenges_ref", |b| {
            b.iter(|| httpauth_headers::parse_challenges_ref(black_box(&input)))
        });
        g.bench_function("httpauth-headers parse_challenges (owned)", |b| {
            b.iter(|| httpauth_headers::parse_challenges(black_box(&input)))
        });
        g.finish();
    }
}

fn parse_and_format_other_fields(c: &mut Criterion) {
    let digest = "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
        uri=\"/dir/index.html\", algorithm=SHA-256, \
        nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, \
        cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, \
        response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
        opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    let mut g = c.benchmark_group("parse Authorization, rfc7616 digest sha-256 (no baseline)");
    g.throughput(Throughput::Bytes(digest.len() as u64));
    g.bench_function("httpauth-headers parse_credentials_ref", |b| {
        b.iter(|| httpauth_headers::parse_credentials_ref(black_box(digest)))
    });
    g.bench_function("httpauth-headers parse_credentials (owned)", |b| {
        b.iter(|| httpauth_headers::parse_credentials(black_box(digest)))
    });
    g.finish();

    let cs = inputs()
        .into_iter()
        .flat_map(|(_, i)| httpauth_headers::parse_challenges(&i).unwrap_or_default())
        .collect::<Vec<_>>();
    let mut g = c.benchmark_group("format challenges, the four inputs above (no baseline)");
    g.bench_function("httpauth-headers format_challenges", |b| {
        b.iter(|| httpauth_headers::format_challenges(black_box(&cs)))
    });
    g.finish();
}

criterion_group!(
    benches,
    parse_www_authenticate,
    parse_and_format_other_fields
);
criterion_main!(benches);
