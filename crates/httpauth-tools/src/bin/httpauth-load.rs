//! `httpauth-load`: a load generator that speaks every scheme of the workspace. The logic
//! is `httpauth_tools::load`; the JSON object is documented in docs/performance.md.
#![forbid(unsafe_code)]

use clap::{Parser, ValueEnum};
use httpauth::digest_auth::Algorithm;
use httpauth_core::Password;
use httpauth_tools::load::{self, AuthKind, AuthState, Config, ConnectionMode, Stop};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zeroize::Zeroizing;

/// Exit status: the run completed and every request succeeded.
const EXIT_OK: u8 = 0;
/// Exit status: the run completed, and some requests failed (see the report).
const EXIT_FAILURES: u8 = 1;
/// Exit status: usage error, or the run could not start (clap's usage errors are 2 too).
const EXIT_USAGE: u8 = 2;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Auth {
    /// No credentials (a baseline, or a client-certificate location).
    None,
    /// Basic (RFC 7617), sent preemptively after the first challenge.
    Basic,
    /// Digest (RFC 7616).
    Digest,
    /// Mutual (RFC 8120 / RFC 8121), the algorithm the server offers.
    Mutual,
    /// The strongest scheme the server offers.
    Any,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Session {
    /// Keep Digest nonces (nc counting, nextnonce) and Mutual sessions between requests.
    Reuse,
    /// A new Digest challenge / a new Mutual key exchange for every request.
    PerRequest,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Connection {
    /// One persistent connection per worker.
    KeepAlive,
    /// A new connection (a full TLS handshake over https) for every HTTP request.
    Close,
}

#[derive(Debug, Parser)]
#[command(
    name = "httpauth-load",
    version,
    about = "Load generator for HTTP authentication: Basic, Digest, Mutual and client certificates",
    long_about = "Load generator for HTTP authentication. Every request is a real \
authenticated request made by the httpauth client engine (one client state per worker): \
Basic, Digest (nonce reuse with nc counting and nextnonce, or a new challenge per \
request), Mutual (session reuse, or a new key exchange per request; the server's vks is \
checked every time) and TLS client certificates. A request succeeds only when the engine \
verified the final response, its status is --expect and it carried the --auth scheme.\n\n\
Closed loop (-c N workers) or fixed rate (--rate R, open loop: latency counts from each \
request's intended send time, so a stalled server is not hidden). The report goes to \
stdout (--json: one JSON object, documented in docs/performance.md); a progress bar goes \
to stderr when it is a terminal.",
    after_help = "Examples:\n  \
httpauth-load -u alice:wonderland --auth digest -c 8 -d 10s http://127.0.0.1:8080/digest\n  \
httpauth-load -u alice:wonderland --auth mutual --session per-request -n 1000 http://127.0.0.1:8080/mutual\n  \
httpauth-load --cacert pki/ca.pem --cert clients/alice.pem --key clients/alice.key \
--connection close -d 10s https://127.0.0.1:8443/cert\n\n\
Exit status:\n  0  the run completed and every request succeeded\n  \
1  the run completed and some requests failed (see the report)\n  \
2  usage error, or the run could not start"
)]
struct Cli {
    /// The URL requested with GET (http:// or https://).
    url: String,
    /// The scheme every request must be authenticated with.
    #[arg(long, value_enum, default_value = "none")]
    auth: Auth,
    /// User name and password, `user:password` (the password may contain `:`).
    #[arg(short = 'u', long = "user", value_name = "USER:PASSWORD")]
    user: Option<String>,
    /// Keep the authentication state between requests, or start anew every time.
    #[arg(long, value_enum, default_value = "reuse")]
    session: Session,
    /// Send Basic credentials over plain http (refused otherwise: RFC 7617 section 4).
    #[arg(long)]
    basic_over_http: bool,
    /// Digest algorithms answered (repeatable; default: all six, the strongest offered wins).
    #[arg(long = "digest-algorithm", value_name = "ALGORITHM", value_parser = parse_algorithm)]
    digest_algorithms: Vec<Algorithm>,
    /// Keep-alive connections or a new connection per HTTP request.
    #[arg(long, value_enum, default_value = "keep-alive")]
    connection: Connection,
    /// PEM CA bundle that verifies the server's certificate (required for https).
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// PEM client certificate (chain) for the TLS handshake.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Allow TLS session resumption (default: every connection is a full handshake).
    #[arg(long)]
    tls_resumption: bool,
    /// Workers (connections), each with its own client state.
    #[arg(short = 'c', long, default_value_t = 4)]
    concurrency: usize,
    /// Fixed rate in requests per second over all workers (open loop).
    #[arg(long, value_name = "R")]
    rate: Option<f64>,
    /// Measure for this long (`10s`, `500ms`, `2m`; default 10s unless -n is given).
    #[arg(short = 'd', long, value_name = "DURATION", value_parser = load::parse_duration, conflicts_with = "requests")]
    duration: Option<Duration>,
    /// Measure this many requests.
    #[arg(short = 'n', long = "requests", value_name = "N")]
    requests: Option<u64>,
    /// Send requests for this long first without measuring them.
    #[arg(long, value_name = "DURATION", value_parser = load::parse_duration, default_value = "0s")]
    warmup: Duration,
    /// Longest one request may take, all its HTTP requests included.
    #[arg(long, value_name = "DURATION", value_parser = load::parse_duration, default_value = "30s")]
    timeout: Duration,
    /// The status a successful final response has.
    #[arg(long, value_name = "STATUS", default_value_t = 200)]
    expect: u16,
    /// tokio worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    Algorithm::from_token(s).ok_or_else(|| {
        let all: Vec<&str> = httpauth::digest_auth::ALL_ALGORITHMS
            .iter()
            .map(|a| a.as_str())
            .collect();
        format!("unknown Digest algorithm {s:?}; one of {}", all.join(", "))
    })
}

fn config(cli: Cli) -> Result<(Config, bool), String> {
    let mut c = Config::new(cli.url);
    c.auth = match cli.auth {
        Auth::None => AuthKind::None,
        Auth::Basic => AuthKind::Basic,
        Auth::Digest => AuthKind::Digest,
        Auth::Mutual => AuthKind::Mutual,
        Auth::Any => AuthKind::Any,
    };
    c.auth_state = match cli.session {
        Session::Reuse => AuthState::Reuse,
        Session::PerRequest => AuthState::PerRequest,
    };
    if let Some(u) = cli.user {
        let u = Zeroizing::new(u);
        let (user, password) = u
            .split_once(':')
            .ok_or("-u: give user:password (the password after the first colon)")?;
        c.login = Some((user.to_owned(), Password::from(password)));
    }
    c.basic_over_http = cli.basic_over_http;
    c.digest_algorithms = cli.digest_algorithms;
    c.connection = match cli.connection {
        Connection::KeepAlive => ConnectionMode::KeepAlive,
        Connection::Close => ConnectionMode::Close,
    };
    c.cacert = cli.cacert;
    c.client_cert = cli.cert.zip(cli.key);
    c.tls_resumption = cli.tls_resumption;
    c.concurrency = cli.concurrency;
    c.rate = cli.rate;
    c.stop = match (cli.requests, cli.duration) {
        (Some(n), _) => Stop::Count(n),
        (None, Some(d)) => Stop::After(d),
        (None, None) => Stop::After(Duration::from_secs(10)),
    };
    c.warmup = cli.warmup;
    c.timeout = cli.timeout;
    c.expect = cli.expect;
    if let Some(t) = cli.threads {
        c.threads = t;
    }
    c.progress = !cli.quiet;
    Ok((c, cli.json))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (config, json) = match config(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("httpauth-load: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let report = match load::run(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("httpauth-load: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.summary());
    }
    ExitCode::from(if report.failed() == 0 && report.ok() > 0 {
        EXIT_OK
    } else {
        EXIT_FAILURES
    })
}
