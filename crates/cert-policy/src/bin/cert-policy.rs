//! `cert-policy`: test `SSLRequire` / `Require expr` policies against a certificate before
//! deploying them.
//!
//! ```text
//! cert-policy --cert client.pem [--chain chain.pem] [--ca ca.pem] [--crl crl.pem]
//!             [--verify-client optional_no_ca] [--depth N] [--dialect require|sslrequire]
//!             [--method GET] [--uri /] [--remote-addr 127.0.0.1] [--header 'Name: value']...
//!             (--expr EXPR | --file FILE)... [-v]
//! ```
//!
//! Prints `allow` or `deny` and the expression, one line each; with `-v` first the variable
//! table Apache would export (`SSLOptions +StdEnvVars +ExportCertData`). In a file, one
//! expression per line; `#` starts a comment; a line may start with `SSLRequire` or
//! `Require expr` to choose its dialect. Exit status: 0 all allowed, 1 some denied,
//! 2 usage, input or parse errors.

use cert_policy::verify::{read_certificates, read_crls};
use cert_policy::{
    ApacheClientVerifier, Context, Dialect, Expr, Request, RevocationCheck, TlsInfo, TlsVars,
    VerifyClient, VerifyConfig,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use std::io::Write as _;
use std::process::ExitCode;

const USAGE: &str = "usage: cert-policy --cert FILE [--chain FILE] [--ca FILE] [--crl FILE] \
[--verify-client MODE] [--depth N] [--dialect require|sslrequire] [--method M] [--uri U] \
[--remote-addr IP] [--header 'N: v']... (--expr EXPR | --file FILE)... [-v]";

struct Args {
    cert: Option<String>,
    chain: Option<String>,
    ca: Option<String>,
    crl: Option<String>,
    mode: Option<VerifyClient>,
    depth: u32,
    dialect: Dialect,
    method: String,
    uri: String,
    remote: Option<std::net::IpAddr>,
    headers: Vec<(String, String)>,
    exprs: Vec<(Dialect, String)>,
    verbose: bool,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("cert-policy: {msg}");
    ExitCode::from(2)
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        cert: None,
        chain: None,
        ca: None,
        crl: None,
        mode: None,
        depth: 1,
        dialect: Dialect::RequireExpr,
        method: "GET".into(),
        uri: "/".into(),
        remote: None,
        headers: Vec::new(),
        exprs: Vec::new(),
        verbose: false,
    };
    let mut files = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cert" => a.cert = Some(val("--cert")?),
            "--chain" => a.chain = Some(val("--chain")?),
            "--ca" => a.ca = Some(val("--ca")?),
            "--crl" => a.crl = Some(val("--crl")?),
            "--verify-client" => {
                a.mode = Some(
                    val("--verify-client")?
                        .parse()
                        .map_err(|e| format!("{e}"))?,
                )
            }
            "--depth" => {
                a.depth = val("--depth")?
                    .parse()
                    .map_err(|_| "--depth needs a number".to_owned())?
            }
            "--dialect" => {
                a.dialect = match val("--dialect")?.to_ascii_lowercase().as_str() {
                    "require" | "require-expr" => Dialect::RequireExpr,
                    "sslrequire" | "ssl-require" => Dialect::SslRequire,
                    d => return Err(format!("unknown dialect {d:?}")),
                }
            }
            "--method" => a.method = val("--method")?,
            "--uri" => a.uri = val("--uri")?,
            "--remote-addr" => {
                a.remote = Some(
                    val("--remote-addr")?
                        .parse()
                        .map_err(|_| "--remote-addr needs an IP address".to_owned())?,
                )
            }
            "--header" | "-H" => {
                let h = val("--header")?;
                let (n, v) = h.split_once(':').ok_or("--header needs 'Name: value'")?;
                a.headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            "--expr" | "-e" => {
                let e = val("--expr")?;
                a.exprs.push((a.dialect, e));
            }
            "--file" | "-f" => files.push((a.dialect, val("--file")?)),
            "-v" | "--verbose" => a.verbose = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    for (dialect, f) in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{f}: {e}"))?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("SSLRequire") {
                a.exprs.push((Dialect::SslRequire, rest.trim().to_owned()));
            } else if let Some(rest) = line.strip_prefix("Require expr") {
                a.exprs.push((Dialect::RequireExpr, rest.trim().to_owned()));
            } else {
                a.exprs.push((dialect, line.to_owned()));
            }
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let mut tls = TlsInfo::default();
    if let Some(c) = &args.cert {
        match std::fs::read(c)
            .map_err(|e| e.to_string())
            .and_then(|d| read_certificates(&d).map_err(|e| e.to_string()))
        {
            Ok(certs) => tls.peer_certificates = certs,
            Err(e) => return fail(format!("{c}: {e}")),
        }
    }
    if let Some(c) = &args.chain {
        match std::fs::read(c)
            .map_err(|e| e.to_string())
            .and_then(|d| read_certificates(&d).map_err(|e| e.to_string()))
        {
            Ok(certs) => tls.peer_certificates.extend(certs),
            Err(e) => return fail(format!("{c}: {e}")),
        }
    }
    let mut cfg = VerifyConfig::new(args.mode.unwrap_or(VerifyClient::OptionalNoCa));
    cfg.depth = args.depth;
    if let Some(ca) = &args.ca {
        match std::fs::read(ca)
            .map_err(|e| e.to_string())
            .and_then(|d| read_certificates(&d).map_err(|e| e.to_string()))
        {
            Ok(c) => cfg.ca = c.into_iter().map(CertificateDer::from).collect(),
            Err(e) => return fail(format!("{ca}: {e}")),
        }
    }
    if let Some(crl) = &args.crl {
        match std::fs::read(crl)
            .map_err(|e| e.to_string())
            .and_then(|d| read_crls(&d).map_err(|e| e.to_string()))
        {
            Ok(c) => {
                cfg.crls = c
                    .into_iter()
                    .map(CertificateRevocationListDer::from)
                    .collect();
                cfg.revocation_check = RevocationCheck::Chain;
                cfg.allow_missing_crl = true;
            }
            Err(e) => return fail(format!("{crl}: {e}")),
        }
    }
    let verifier = match ApacheClientVerifier::with_provider(
        cfg,
        std::sync::Arc::new(rustls::crypto::ring::default_provider()),
    ) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let chain: Vec<CertificateDer<'_>> = tls
        .peer_certificates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    match verifier.decide(&chain, UnixTime::now()) {
        Ok(v) => tls.peer_verification = v,
        Err(e) => {
            println!("handshake: rejected ({e}): Apache would refuse the connection");
            return ExitCode::from(1);
        }
    }
    let vars = match TlsVars::new(&tls) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let mut out = std::io::stdout().lock();
    if args.verbose {
        for (k, v) in vars.export(std::time::SystemTime::now(), true) {
            let _ = writeln!(out, "{k}={}", String::from_utf8_lossy(&v));
        }
        let _ = writeln!(out);
    }
    let headers: Vec<(&str, &str)> = args
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut req = Request::default();
    req.method = &args.method;
    req.scheme = "https";
    req.uri = &args.uri;
    req.remote_addr = args.remote;
    req.headers = &headers;
    req.protocol = "HTTP/1.1";
    let ctx = Context::new(Some(&vars)).with_request(req);
    let mut status = 0u8;
    for (dialect, text) in &args.exprs {
        match Expr::parse(text, *dialect) {
            Err(e) => {
                let _ = writeln!(out, "error\t{text}\t{e}");
                status = 2;
            }
            Ok(expr) => {
                for w in expr.warnings() {
                    eprintln!("warning: {}", w.message);
                }
                match expr.eval(&ctx) {
                    Ok(true) => {
                        let _ = writeln!(out, "allow\t{text}");
                    }
                    Ok(false) => {
                        let _ = writeln!(out, "deny\t{text}");
                        status = status.max(1);
                    }
                    Err(e) => {
                        let _ = writeln!(out, "deny\t{text}\t(evaluation error: {e})");
                        status = status.max(1);
                    }
                }
            }
        }
    }
    ExitCode::from(status)
}
