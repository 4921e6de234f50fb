//! `cert-policy`: test `SSLRequire` / `Require expr` policies against a certificate before
//! deploying them, with the verification and the facts Apache would have.
//!
//! Run `cert-policy --help` for the options and exit codes.
#![forbid(unsafe_code)]

use cert_policy::verify::{openssl_reason, read_certificates, read_crls};
use cert_policy::{
    ApacheClientVerifier, Context, Dialect, Expr, Request, RevocationCheck, SslRequire, TlsInfo,
    TlsVars, VerifyClient, VerifyConfig,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const HELP: &str = "\
cert-policy: evaluate Apache httpd SSLRequire / Require expr policies over a client
certificate, verified as mod_ssl + OpenSSL verify it.

usage: cert-policy [OPTIONS] (--expr EXPR | --file FILE)...

Options may come in any order.

Certificate and verification (SSLVerifyClient and friends):
  --cert FILE            client certificate (PEM, may hold the chain, or DER)
  --chain FILE           more certificates the client sends (PEM)
  --ca FILE              SSLCACertificateFile (PEM)
  --crl FILE             SSLCARevocationFile (PEM or DER)
  --crl-check MODE       SSLCARevocationCheck: none | leaf | chain, optionally followed by
                         no_crl_for_cert_ok (one argument, e.g. 'chain no_crl_for_cert_ok');
                         default with --crl: 'chain no_crl_for_cert_ok'
  --verify-client MODE   none | optional | require | optional_no_ca (default optional_no_ca)
  --depth N              SSLVerifyDepth (default 1, as in Apache)

Facts of the connection and the request:
  --protocol P           SSL_PROTOCOL (e.g. TLSv1.3)
  --cipher C             SSL_CIPHER (e.g. TLS_AES_256_GCM_SHA384)
  --cipher-bits N        SSL_CIPHER_USEKEYSIZE / SSL_CIPHER_ALGKEYSIZE
  --sni NAME             SSL_TLS_SNI
  --time T               the clock for validity, SSL_CLIENT_V_REMAIN and TIME_*:
                         YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS (default: now)
  --method M             REQUEST_METHOD (default GET)
  --uri U                REQUEST_URI, with ?query (default /)
  --remote-addr IP       REMOTE_ADDR
  --server-name NAME     SERVER_NAME
  --server-port N        SERVER_PORT
  -H, --header 'N: v'    a request header (repeatable)

Expressions:
  -e, --expr EXPR        an expression; a leading 'SSLRequire' or 'Require expr' (as pasted
                         from httpd.conf) chooses the dialect
                         'Require ssl' and 'Require ssl-verify-client' are mod_ssl's
                         providers
  -f, --file FILE        expressions, one per line; '#' comments; backslash-continued lines
                         are joined as httpd joins them; 'SSLRequire ...' and
                         'Require expr \"...\"' lines keep their directive
  --dialect D            dialect of expressions without a directive: require (Require expr,
                         default) or sslrequire (SSLRequire)

  -v, --verbose          print the variable table Apache would export first
  -h, --help             this text
  -V, --version          the version

Output: one line per expression, 'allow', 'deny' or 'error', a tab, the expression.

Exit status:
  0  every expression allows
  1  some expression denies
  2  usage error, unreadable input, or an expression that does not parse (Apache would
     refuse the configuration); also when there is no expression to evaluate
  3  the handshake is refused (Apache would close the connection; the reason in OpenSSL's
     words is printed)
  4  an expression fails at evaluation (Apache then denies with an error in its log)
";

const EXIT_DENY: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_HANDSHAKE: u8 = 3;
const EXIT_EVAL: u8 = 4;

#[derive(Default)]
struct Args {
    cert: Option<String>,
    chain: Option<String>,
    ca: Option<String>,
    crl: Option<String>,
    crl_check: Option<(RevocationCheck, bool)>,
    mode: Option<VerifyClient>,
    depth: Option<u32>,
    dialect: Option<Dialect>,
    method: Option<String>,
    uri: Option<String>,
    remote: Option<std::net::IpAddr>,
    server_name: Option<String>,
    server_port: Option<u16>,
    headers: Vec<(String, String)>,
    protocol: Option<String>,
    cipher: Option<String>,
    cipher_bits: Option<u32>,
    sni: Option<String>,
    time: Option<SystemTime>,
    /// Expressions with the dialect their directive chose, if any, and `Require ssl...`.
    exprs: Vec<Item>,
    files: Vec<String>,
    verbose: bool,
}

/// One thing to evaluate.
enum Item {
    /// An expression and the dialect its directive chose, if any.
    Expr(Option<Dialect>, String),
    /// `Require ssl` / `Require ssl-verify-client`, with the text as given.
    Provider(SslRequire, String),
}

enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

/// Sets an option given at most once (a second, different value is a usage error rather
/// than a silent override).
fn once<T: PartialEq>(slot: &mut Option<T>, v: T, name: &str) -> Result<(), String> {
    match slot {
        Some(old) if *old != v => Err(format!("{name} given twice with different values")),
        _ => {
            *slot = Some(v);
            Ok(())
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` or `@seconds`.
fn parse_time(s: &str) -> Result<SystemTime, String> {
    let bad = || format!("--time {s:?}: expected YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS");
    if let Some(secs) = s.strip_prefix('@') {
        let n: u64 = secs.parse().map_err(|_| bad())?;
        return Ok(UNIX_EPOCH + Duration::from_secs(n));
    }
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(bad)
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    let secs = u64::try_from(secs).map_err(|_| bad())?;
    Ok(UNIX_EPOCH + Duration::from_secs(secs))
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut a = Args::default();
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        // `--name=value` is accepted as well as `--name value`.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut val = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or(format!("{name} needs a value")),
            }
        };
        match name.as_str() {
            "--cert" => once(&mut a.cert, val()?, "--cert")?,
            "--chain" => once(&mut a.chain, val()?, "--chain")?,
            "--ca" => once(&mut a.ca, val()?, "--ca")?,
            "--crl" => once(&mut a.crl, val()?, "--crl")?,
            "--crl-check" => {
                let v = val()?;
                let mut words = v.split_whitespace();
                let check = match words.next().map(str::to_ascii_lowercase).as_deref() {
                    Some("none") => RevocationCheck::None,
                    Some("leaf") => RevocationCheck::Leaf,
                    Some("chain") => RevocationCheck::Chain,
                    _ => return Err(format!("--crl-check {v:?}: expected none, leaf or chain")),
                };
                let ok = match words.next() {
                    None => false,
                    Some(f) if f.eq_ignore_ascii_case("no_crl_for_cert_ok") => true,
                    Some(f) => return Err(format!("--crl-check: unknown flag {f:?}")),
                };
                once(&mut a.crl_check, (check, ok), "--crl-check")?;
            }
            "--verify-client" => {
                let m: VerifyClient = val()?.parse().map_err(|e| format!("{e}"))?;
                once(&mut a.mode, m, "--verify-client")?;
            }
            "--depth" => {
                let d = val()?
                    .parse()
                    .map_err(|_| "--depth needs a number".to_owned())?;
                once(&mut a.depth, d, "--depth")?;
            }
            "--dialect" => {
                let d = match val()?.to_ascii_lowercase().as_str() {
                    "require" | "require-expr" | "requireexpr" => Dialect::RequireExpr,
                    "sslrequire" | "ssl-require" => Dialect::SslRequire,
                    d => return Err(format!("unknown dialect {d:?} (require or sslrequire)")),
                };
                once(&mut a.dialect, d, "--dialect")?;
            }
            "--method" => once(&mut a.method, val()?, "--method")?,
            "--uri" => once(&mut a.uri, val()?, "--uri")?,
            "--remote-addr" => {
                let ip = val()?
                    .parse()
                    .map_err(|_| "--remote-addr needs an IP address".to_owned())?;
                once(&mut a.remote, ip, "--remote-addr")?;
            }
            "--server-name" => once(&mut a.server_name, val()?, "--server-name")?,
            "--server-port" => {
                let p = val()?
                    .parse()
                    .map_err(|_| "--server-port needs a port number".to_owned())?;
                once(&mut a.server_port, p, "--server-port")?;
            }
            "--header" | "-H" => {
                let h = val()?;
                let (n, v) = h
                    .split_once(':')
                    .ok_or("--header needs 'Name: value'".to_owned())?;
                a.headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
            "--protocol" => once(&mut a.protocol, val()?, "--protocol")?,
            "--cipher" => once(&mut a.cipher, val()?, "--cipher")?,
            "--cipher-bits" => {
                let b = val()?
                    .parse()
                    .map_err(|_| "--cipher-bits needs a number".to_owned())?;
                once(&mut a.cipher_bits, b, "--cipher-bits")?;
            }
            "--sni" => once(&mut a.sni, val()?, "--sni")?,
            "--time" => {
                let t = parse_time(&val()?)?;
                once(&mut a.time, t, "--time")?;
            }
            "--expr" | "-e" => a.exprs.push(directive(&val()?)),
            "--file" | "-f" => a.files.push(val()?),
            "-v" | "--verbose" => a.verbose = true,
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    for f in std::mem::take(&mut a.files) {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{f}: {e}"))?;
        for line in config_lines(&text) {
            a.exprs.push(directive(&line));
        }
    }
    if a.exprs.is_empty() {
        return Err("nothing to evaluate: give --expr or --file (see --help)".into());
    }
    Ok(Parsed::Run(Box::new(a)))
}

/// httpd.conf lines: a line ending in a backslash continues on the next one (httpd's
/// `ap_cfg_getline` drops the backslash and appends the next line); blank lines and `#`
/// comments are skipped.
fn config_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            cur.push_str(head);
            continue;
        }
        cur.push_str(line);
        let full = cur.trim().to_owned();
        cur.clear();
        if !full.is_empty() && !full.starts_with('#') {
            out.push(full);
        }
    }
    let rest = cur.trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        out.push(rest.to_owned());
    }
    out
}

/// A pasted directive: `SSLRequire EXPR` (the raw rest of the line, as mod_ssl's
/// `RAW_ARGS` gets it) or `Require expr EXPR`, where mod_authz_core's `expr_parse_config`
/// drops one pair of surrounding double quotes; `Require ssl` and `Require
/// ssl-verify-client` are mod_ssl's providers. Anything else is an expression of the
/// `--dialect`.
fn directive(text: &str) -> Item {
    let t = text.trim();
    let word = |s: &str, w: &str| -> Option<String> {
        let head = s.get(..w.len())?;
        let rest = &s[w.len()..];
        (head.eq_ignore_ascii_case(w) && rest.starts_with([' ', '\t']))
            .then(|| rest.trim().to_owned())
    };
    if let Some(rest) = word(t, "SSLRequire") {
        return Item::Expr(Some(Dialect::SslRequire), rest);
    }
    if let Some(rest) = word(t, "Require") {
        if let Some(e) = word(&rest, "expr") {
            let e = match e.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                Some(inner) => inner.to_owned(),
                None => e,
            };
            return Item::Expr(Some(Dialect::RequireExpr), e);
        }
        if let Some(p) = SslRequire::parse(&rest) {
            return Item::Provider(p, t.to_owned());
        }
    }
    Item::Expr(None, t.to_owned())
}

fn read_file_certs(path: &str) -> Result<Vec<Vec<u8>>, String> {
    std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|d| read_certificates(&d).map_err(|e| e.to_string()))
        .map_err(|e| format!("{path}: {e}"))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("cert-policy {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("cert-policy: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cert-policy: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(args: &Args) -> Result<u8, String> {
    let mut tls = TlsInfo::default();
    if let Some(c) = &args.cert {
        tls.peer_certificates = read_file_certs(c)?;
    }
    if let Some(c) = &args.chain {
        tls.peer_certificates.extend(read_file_certs(c)?);
    }
    tls.protocol = args.protocol.clone();
    tls.cipher = args.cipher.clone();
    tls.cipher_bits = args.cipher_bits;
    tls.sni = args.sni.clone();
    let mut cfg = VerifyConfig::new(args.mode.unwrap_or(VerifyClient::OptionalNoCa));
    cfg.depth = args.depth.unwrap_or(1);
    if let Some(ca) = &args.ca {
        cfg.ca = read_file_certs(ca)?
            .into_iter()
            .map(CertificateDer::from)
            .collect();
    }
    if let Some(crl) = &args.crl {
        let c = std::fs::read(crl)
            .map_err(|e| e.to_string())
            .and_then(|d| read_crls(&d).map_err(|e| e.to_string()))
            .map_err(|e| format!("{crl}: {e}"))?;
        cfg.crls = c
            .into_iter()
            .map(CertificateRevocationListDer::from)
            .collect();
        (cfg.revocation_check, cfg.allow_missing_crl) = (RevocationCheck::Chain, true);
    }
    if let Some((check, ok)) = args.crl_check {
        (cfg.revocation_check, cfg.allow_missing_crl) = (check, ok);
    }
    let mode = cfg.mode;
    // The binary is an application: it chooses rustls's ring provider (the httpauth-tools
    // package switches on rustls's `ring` feature).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = ApacheClientVerifier::with_provider(cfg, provider).map_err(|e| e.to_string())?;
    let now = args.time.unwrap_or_else(SystemTime::now);
    if mode == VerifyClient::None {
        // mod_ssl does not request a certificate: the client sends none.
        tls.peer_certificates.clear();
    }
    let chain: Vec<CertificateDer<'_>> = tls
        .peer_certificates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let unix = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap_or_default());
    let mut out = std::io::stdout().lock();
    match verifier.decide(&chain, unix) {
        Ok(v) => tls.peer_verification = v,
        Err(e) => {
            let _ = writeln!(
                out,
                "handshake: refused: {} (Apache closes the connection)",
                openssl_reason(&e)
            );
            return Ok(EXIT_HANDSHAKE);
        }
    }
    let vars = TlsVars::new(&tls).map_err(|e| e.to_string())?;
    if args.verbose {
        for (k, v) in vars.export(now, true) {
            let _ = writeln!(out, "{k}={}", String::from_utf8_lossy(&v));
        }
        let _ = writeln!(out);
    }
    let headers: Vec<(&str, &str)> = args
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let target = args.uri.as_deref().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request::default();
    req.method = args.method.as_deref().unwrap_or("GET");
    req.scheme = "https";
    req.uri = path;
    req.query = query;
    req.remote_addr = args.remote;
    req.headers = &headers;
    req.protocol = "HTTP/1.1";
    req.server_name = args.server_name.as_deref().unwrap_or("");
    req.server_port = args.server_port;
    req.time = Some(now);
    let ctx = Context::new(Some(&vars)).with_request(req);
    let default_dialect = args.dialect.unwrap_or(Dialect::RequireExpr);
    let (mut denied, mut eval_error, mut parse_error) = (false, false, false);
    for item in &args.exprs {
        let (dialect, text) = match item {
            Item::Provider(p, text) => {
                // The tool simulates an https request: `Require ssl` holds.
                if p.allows(Some(&vars)) {
                    let _ = writeln!(out, "allow\t{text}");
                } else {
                    let _ = writeln!(out, "deny\t{text}");
                    denied = true;
                }
                continue;
            }
            Item::Expr(d, text) => (d, text),
        };
        match Expr::parse(text, dialect.unwrap_or(default_dialect)) {
            Err(e) => {
                let _ = writeln!(out, "error\t{text}\t{e}");
                parse_error = true;
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
                        denied = true;
                    }
                    Err(e) => {
                        let _ = writeln!(out, "deny\t{text}\t(evaluation error: {e})");
                        eval_error = true;
                    }
                }
            }
        }
    }
    Ok(if parse_error {
        EXIT_USAGE
    } else if eval_error {
        EXIT_EVAL
    } else if denied {
        EXIT_DENY
    } else {
        0
    })
}
