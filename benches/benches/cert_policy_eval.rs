//! cert-policy: evaluating a typical policy against a parsed client certificate (goal: under
//! 1 microsecond), and extracting the certificate's variables.

#![allow(missing_docs)]

use cert_policy::{CertView, Context, Dialect, Expr, PeerVerification, TlsInfo, TlsVars};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

static ALICE: &[u8] = include_bytes!("../../crates/cert-policy/tests/data/alice.der");
static UTF8: &[u8] = include_bytes!("../../crates/cert-policy/tests/data/utf8.der");

fn tls() -> TlsInfo {
    let mut t = TlsInfo::default();
    t.peer_certificates = vec![ALICE.to_vec()];
    t.server_certificates = vec![UTF8.to_vec()];
    t.peer_verification = PeerVerification::Success;
    t
}

fn bench(c: &mut Criterion) {
    let info = tls();
    let vars = TlsVars::new(&info).unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Some(&vars));
    let typical = Expr::parse(
        r#"%{SSL_CLIENT_VERIFY} == "SUCCESS" && %{SSL_CLIENT_S_DN_O} == "garex AG" && %{SSL_CLIENT_S_DN_OU} in {"Fun dept.", "Sales"}"#,
        Dialect::RequireExpr,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(typical.allows(&ctx));
    let regex = Expr::parse(
        r#"%{SSL_CLIENT_S_DN_CN} =~ /^(Alice|Bob) Example$/"#,
        Dialect::RequireExpr,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let full_dn = Expr::parse(
        r#"%{SSL_CLIENT_S_DN} =~ /,O=garex AG,/"#,
        Dialect::SslRequire,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let baseline = Expr::parse("true", Dialect::RequireExpr).unwrap_or_else(|e| panic!("{e}"));

    let mut g = c.benchmark_group("cert_policy eval");
    g.bench_function("baseline: `true`", |b| {
        b.iter(|| black_box(&baseline).allows(black_box(&ctx)))
    });
    g.bench_function("typical policy: VERIFY, O, OU in list", |b| {
        b.iter(|| black_box(&typical).allows(black_box(&ctx)))
    });
    g.bench_function("regex on CN", |b| {
        b.iter(|| black_box(&regex).allows(black_box(&ctx)))
    });
    g.bench_function("regex on full S_DN (SSLRequire)", |b| {
        b.iter(|| black_box(&full_dn).allows(black_box(&ctx)))
    });
    g.finish();

    let mut g = c.benchmark_group("cert_policy extract");
    g.bench_function("baseline: x509-parser parse of leaf", |b| {
        b.iter(|| CertView::parse(black_box(ALICE)).map(|c| c.x509().tbs_certificate.version.0))
    });
    g.bench_function("TlsVars::new (client + server certificate)", |b| {
        b.iter(|| TlsVars::new(black_box(&info)).map(|v| v.client().is_some()))
    });
    g.bench_function("StdEnvVars export table", |b| {
        let now = std::time::SystemTime::now();
        b.iter(|| black_box(&vars).export(now, false).len())
    });
    g.bench_function("Expr::parse typical policy", |b| {
        b.iter(|| Expr::parse(black_box(r#"%{SSL_CLIENT_S_DN_O} eq "garex AG" and %{SSL_CLIENT_S_DN_OU} in {"Fun dept."}"#), Dialect::SslRequire).is_ok())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
