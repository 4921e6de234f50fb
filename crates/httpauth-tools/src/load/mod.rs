//! `httpauth-load`: a load generator that speaks every scheme of the workspace (issue 19).
//!
//! Every request is a real authenticated request made by the `httpauth` client engine
//! ([`httpauth::client::AuthClient`], one per worker): Basic (RFC 7617), Digest (RFC 7616,
//! nonce reuse with `nc` counting and `nextnonce`, or a new challenge per request), Mutual
//! (RFC 8120 / RFC 8121 through `mutual-core`'s client as the engine uses it: session
//! reuse, or a new key exchange per request, with `vks` checked on every response), and
//! TLS client certificates. The transport is this module's own: one HTTP/1.1 connection
//! per worker (keep-alive) or a new one per HTTP request, over tokio, hyper's connection
//! API and tokio-rustls (the `ring` provider, as every tool here).
//!
//! A response counts as a success only when the engine says the exchange is over and
//! verified ([`Step::Done`](httpauth::client::Step::Done)), its status is the expected one
//! and, for `--auth basic|digest|mutual`, the final request carried that scheme's
//! credentials. Everything else is an error of one [`ErrorKind`] (or an unexpected
//! status), counted apart.
//!
//! Load is either closed-loop (`-c N` workers, each sending its next request when the
//! last one is done) or fixed-rate (`--rate R`): the i-th request of worker k is due at
//! `start + (i * N + k) / R` and its latency is measured from that intended time, not
//! from when it could be sent, so a stalled server shows in the percentiles instead of
//! slowing the schedule down (coordinated omission, as wrk2 corrects it). Latencies go to
//! an HdrHistogram (1 microsecond to 1 hour, 3 significant digits) per worker, added up
//! at the end.
//!
//! The `--json` object is documented field by field in `docs/performance.md`
//! ([`Report::to_json`]); its `schema` number changes when a field changes meaning or
//! goes away.

mod report;
mod transport;
mod worker;

pub use report::{ErrorKind, JSON_SCHEMA, Report};

use httpauth::digest_auth::Algorithm;
use httpauth_core::Password;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Most workers (`-c`): each holds a connection and its client state.
pub const MAX_CONCURRENCY: usize = 10_000;
/// Highest fixed rate (`--rate`), requests per second.
pub const MAX_RATE: f64 = 10_000_000.0;
/// Longest run, warm-up or per-request timeout accepted.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 86_400);
/// Most tokio worker threads (`--threads`).
pub const MAX_THREADS: usize = 1024;
/// Largest response body read (the rest of a larger one is an `io` error).
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// Which scheme every request must be authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthKind {
    /// No `Authorization`: the response must have the expected status as it is (a
    /// baseline, or a location that checks only the client certificate).
    None,
    /// Basic (RFC 7617): challenged once, then sent preemptively (section 2.2).
    Basic,
    /// Digest (RFC 7616).
    Digest,
    /// Mutual (RFC 8120), algorithms as the server offers (RFC 8121).
    Mutual,
    /// The strongest scheme the server offers (the engine's choice).
    Any,
}

impl AuthKind {
    /// The name used on the command line and in the JSON report.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Basic => "basic",
            AuthKind::Digest => "digest",
            AuthKind::Mutual => "mutual",
            AuthKind::Any => "any",
        }
    }

    /// The auth-scheme token a final request must carry (`None`: no check).
    const fn scheme(self) -> Option<&'static str> {
        match self {
            AuthKind::Basic => Some("Basic"),
            AuthKind::Digest => Some("Digest"),
            AuthKind::Mutual => Some("Mutual"),
            AuthKind::None | AuthKind::Any => None,
        }
    }
}

/// What each worker keeps of its authentication state between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthState {
    /// Keep it: Digest reuses the nonce (`nc` counts up, `nextnonce` is followed), Mutual
    /// reuses the session (req-VFY-C), Basic is sent preemptively.
    Reuse,
    /// Forget it before every request: Digest gets a new challenge (401, then the
    /// answer), Mutual does a new key exchange (401-INIT, req-KEX-C1 / 401-KEX-S1,
    /// req-VFY-C / 200-VFY-S). The Mutual pi derived from the password is kept
    /// (`AuthClient::reset_sessions`), as a returning client keeps it: what is measured
    /// is the server's key exchange, not the generator's PBKDF2.
    PerRequest,
}

impl AuthState {
    /// The name used on the command line and in the JSON report.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthState::Reuse => "reuse",
            AuthState::PerRequest => "per-request",
        }
    }
}

/// How connections are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionMode {
    /// One persistent connection per worker, opened again only when the server closes it.
    KeepAlive,
    /// A new connection for every HTTP request (each sent with `Connection: close`, RFC
    /// 9112 section 9.6), so over https every request costs a TLS handshake.
    Close,
}

impl ConnectionMode {
    /// The name used on the command line and in the JSON report.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectionMode::KeepAlive => "keep-alive",
            ConnectionMode::Close => "close",
        }
    }
}

/// When the measured phase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this long (requests in flight then are completed and counted).
    After(Duration),
    /// After this many requests (user-level requests, successes and failures).
    Count(u64),
}

/// A run's settings. Build it, then [`run`] it; [`run`] checks every bound.
#[derive(Debug)]
pub struct Config {
    /// Absolute `http://` or `https://` URL requested with GET.
    pub url: String,
    /// The scheme every request must be authenticated with.
    pub auth: AuthKind,
    /// Session / nonce reuse or a new authentication per request.
    pub auth_state: AuthState,
    /// User name and password (`-u user:password`).
    pub login: Option<(String, Password)>,
    /// Lets Basic credentials go over plain http (refused by default, RFC 7617
    /// section 4).
    pub basic_over_http: bool,
    /// The Digest algorithms answered (empty: the engine's default, strongest first).
    pub digest_algorithms: Vec<Algorithm>,
    /// Keep-alive or a new connection per request.
    pub connection: ConnectionMode,
    /// PEM CA bundle that verifies the server (required for https).
    pub cacert: Option<PathBuf>,
    /// PEM client certificate chain and private key (https only).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Allow TLS session resumption (off: every new connection is a full handshake).
    pub tls_resumption: bool,
    /// Workers (connections), each with its own client state.
    pub concurrency: usize,
    /// Fixed rate in requests per second (open loop); `None`: closed loop.
    pub rate: Option<f64>,
    /// When the measured phase ends.
    pub stop: Stop,
    /// Requests during this first period are made but not measured.
    pub warmup: Duration,
    /// Longest one user-level request may take (all its HTTP requests and connects).
    pub timeout: Duration,
    /// The status a success must have.
    pub expect: u16,
    /// tokio worker threads of the load generator.
    pub threads: usize,
    /// Show a progress bar on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl Config {
    /// A configuration for `url` with the defaults of the command line: no
    /// authentication, session reuse, keep-alive, 4 workers, closed loop for 10 s, no
    /// warm-up, 30 s timeout, expected status 200, one thread per core, no progress bar.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: AuthKind::None,
            auth_state: AuthState::Reuse,
            login: None,
            basic_over_http: false,
            digest_algorithms: Vec::new(),
            connection: ConnectionMode::KeepAlive,
            cacert: None,
            client_cert: None,
            tls_resumption: false,
            concurrency: 4,
            rate: None,
            stop: Stop::After(Duration::from_secs(10)),
            warmup: Duration::ZERO,
            timeout: Duration::from_secs(30),
            expect: 200,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            progress: false,
        }
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is out of range or contradicts another; the text says which.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or holds no usable PEM object.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The TLS configuration was refused by rustls (a key that does not match, ...).
    #[error("tls: {0}")]
    Tls(String),
    /// The host name did not resolve, or the runtime could not start.
    #[error("{0}")]
    Setup(String),
}

fn usage(s: impl Into<String>) -> Error {
    Error::Usage(s.into())
}

/// Parses a duration: a number with a unit `ms`, `s`, `m` or `h` (`500ms`, `10s`, `1.5m`),
/// or a bare number of seconds.
///
/// # Errors
/// A text that is not such a number, a negative or non-finite one, or one over
/// [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 500ms, 10s, 2m)"))?;
    let secs = v * scale;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{s:?} is not a duration (e.g. 500ms, 10s, 2m)"));
    }
    if secs > MAX_DURATION.as_secs_f64() {
        return Err(format!("{s:?}: at most {} s", MAX_DURATION.as_secs()));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Checks every bound of `c` (the errors name the option).
fn validate(c: &Config) -> Result<(), Error> {
    if c.concurrency == 0 || c.concurrency > MAX_CONCURRENCY {
        return Err(usage(format!(
            "-c: {} workers; 1 to {MAX_CONCURRENCY}",
            c.concurrency
        )));
    }
    if c.threads == 0 || c.threads > MAX_THREADS {
        return Err(usage(format!(
            "--threads: {}; 1 to {MAX_THREADS}",
            c.threads
        )));
    }
    if let Some(r) = c.rate
        && !(r.is_finite() && r > 0.0 && r <= MAX_RATE)
    {
        return Err(usage(format!(
            "--rate: {r} requests/s; above 0, at most {MAX_RATE}"
        )));
    }
    match c.stop {
        Stop::After(d) if d.is_zero() || d > MAX_DURATION => {
            return Err(usage("-d: above 0 s, at most 7 days"));
        }
        Stop::Count(0) => return Err(usage("-n: at least 1 request")),
        _ => {}
    }
    if c.warmup > MAX_DURATION {
        return Err(usage("--warmup: at most 7 days"));
    }
    if c.timeout.is_zero() || c.timeout > MAX_DURATION {
        return Err(usage("--timeout: above 0 s, at most 7 days"));
    }
    if !(100..=599).contains(&c.expect) {
        return Err(usage(format!(
            "--expect: {} is not an HTTP status (100-599)",
            c.expect
        )));
    }
    if c.auth != AuthKind::None && c.login.is_none() {
        return Err(usage(format!(
            "--auth {} needs -u user:password",
            c.auth.as_str()
        )));
    }
    if c.auth == AuthKind::None && c.login.is_some() {
        return Err(usage(
            "-u is given but --auth is none: say which scheme (basic, digest, mutual, any)",
        ));
    }
    Ok(())
}

/// State every worker reads.
struct Shared {
    config: Config,
    target: transport::Target,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// When the schedule starts (warm-up included).
    start: Instant,
    /// When measuring starts (`start + warmup`).
    measure_start: Instant,
    /// `Stop::After`: when no new request starts.
    deadline: Option<Instant>,
    /// `Stop::Count`: tickets taken so far.
    tickets: AtomicU64,
    /// Measured requests done (for the progress bar).
    done: AtomicU64,
    /// Set when the run ends (the progress task stops).
    finished: AtomicBool,
    /// Latencies of successful measured requests.
    latencies: report::Latencies,
}

/// Runs the load described by `config` on a runtime of its own and returns the report.
///
/// # Errors
/// [`Error`] when the run cannot start (bad settings, unreadable files, a host that does
/// not resolve). Failures of requests are not errors: they are counted in the report.
pub fn run(config: Config) -> Result<Report, Error> {
    validate(&config)?;
    let target = transport::Target::parse(&config.url)?;
    if config.auth == AuthKind::Basic && !target.https && !config.basic_over_http {
        return Err(usage(
            "--auth basic over http sends the password in the clear (RFC 7617 section 4): \
             use https, or say --basic-over-http",
        ));
    }
    let tls = transport::tls_config(&config, &target)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("tokio runtime: {e}")))?;
    rt.block_on(run_async(config, target, tls))
}

async fn run_async(
    config: Config,
    mut target: transport::Target,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Report, Error> {
    target.resolve().await?;
    let start = Instant::now();
    let measure_start = start + config.warmup;
    let latencies = report::Latencies::new(config.concurrency)?;
    let deadline = match config.stop {
        Stop::After(d) => Some(measure_start + d),
        Stop::Count(_) => None,
    };
    let shared = Arc::new(Shared {
        target,
        tls,
        start,
        measure_start,
        deadline,
        tickets: AtomicU64::new(0),
        done: AtomicU64::new(0),
        finished: AtomicBool::new(false),
        latencies,
        config,
    });
    let progress = report::Progress::start(&shared);
    let mut workers = tokio::task::JoinSet::new();
    for id in 0..shared.config.concurrency {
        workers.spawn(worker::run(id, Arc::clone(&shared)));
    }
    let mut total = report::Totals::new();
    while let Some(r) = workers.join_next().await {
        match r {
            Ok(w) => total.add(w),
            Err(e) => {
                shared.finished.store(true, Ordering::Relaxed);
                return Err(Error::Setup(format!("a worker failed: {e}")));
            }
        }
    }
    shared.finished.store(true, Ordering::Relaxed);
    progress.finish().await;
    Ok(Report::new(&shared, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in [
            "", "s", "-1s", "ten", "1e400s", "NaNs", "inf", "8d", "1000h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_out_of_range_are_refused_with_the_option_named() {
        type Change = fn(&mut Config);
        let cases: [(Change, &str); 9] = [
            (|c| c.concurrency = 0, "-c"),
            (|c| c.concurrency = MAX_CONCURRENCY + 1, "-c"),
            (|c| c.rate = Some(0.0), "--rate"),
            (|c| c.rate = Some(f64::NAN), "--rate"),
            (|c| c.stop = Stop::Count(0), "-n"),
            (|c| c.stop = Stop::After(Duration::ZERO), "-d"),
            (|c| c.expect = 42, "--expect"),
            (|c| c.auth = AuthKind::Digest, "needs -u"),
            (
                |c| c.login = Some(("u".into(), "p".into())),
                "--auth is none",
            ),
        ];
        for (change, needle) in cases {
            let mut c = Config::new("http://127.0.0.1:1/");
            change(&mut c);
            let e = validate(&c).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        assert!(validate(&Config::new("http://127.0.0.1:1/")).is_ok());
    }
}
