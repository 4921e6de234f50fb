//! What a run measured: per-worker counters and histograms, their sum, the progress bar,
//! and the report (text and JSON).

use super::worker::Failure;
use super::{Shared, Stop};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Version of the `--json` object: changes when a field changes meaning or goes away
/// (new fields may be added without a change).
pub const JSON_SCHEMA: u32 = 1;

/// Highest latency the histograms hold (longer ones are recorded as this).
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Why a request failed (apart from an unexpected final status, counted per status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The TCP connection could not be opened.
    Connect,
    /// The TLS handshake failed (certificate refused either way, protocol error).
    Tls,
    /// Sending or receiving failed: the connection closed, a malformed response, a body
    /// over the limit.
    Io,
    /// No verified final response within `--timeout`.
    Timeout,
    /// The server refused the credentials, or asked for a scheme or login the client
    /// does not have (the engine's `CredentialsRefused`, `CredentialsRequired`,
    /// `NothingUsable`).
    Auth,
    /// The server failed to prove itself (Digest `rspauth`, Mutual `vks`).
    ServerNotVerified,
    /// The server broke the protocol (a malformed field, a 401 without a challenge, no
    /// end after the engine's round limit).
    Protocol,
    /// The final response answered a request that did not carry the scheme asked for
    /// (for example a 200 without any challenge).
    Unauthenticated,
}

impl ErrorKind {
    /// Every kind, in report order.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Io,
        ErrorKind::Timeout,
        ErrorKind::Auth,
        ErrorKind::ServerNotVerified,
        ErrorKind::Protocol,
        ErrorKind::Unauthenticated,
    ];

    /// The key in the JSON report's `errors` object.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Io => "io",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Auth => "auth",
            ErrorKind::ServerNotVerified => "server_not_verified",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Unauthenticated => "unauthenticated",
        }
    }

    const fn index(self) -> usize {
        match self {
            ErrorKind::Connect => 0,
            ErrorKind::Tls => 1,
            ErrorKind::Io => 2,
            ErrorKind::Timeout => 3,
            ErrorKind::Auth => 4,
            ErrorKind::ServerNotVerified => 5,
            ErrorKind::Protocol => 6,
            ErrorKind::Unauthenticated => 7,
        }
    }
}

/// What one user-level request cost.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub(super) http_requests: u64,
    pub(super) connections: u64,
    pub(super) tls_full: u64,
    pub(super) tls_resumed: u64,
    pub(super) key_exchanges: u64,
    pub(super) tls_version: Option<String>,
    pub(super) tls_cipher: Option<String>,
    pub(super) mutual_algorithm: Option<String>,
}

/// Errors by kind and by unexpected status, with the first message of each.
#[derive(Debug, Default)]
struct Errors {
    kinds: [u64; ErrorKind::ALL.len()],
    status: BTreeMap<u16, u64>,
    examples: BTreeMap<String, String>,
}

impl Errors {
    fn add(&mut self, f: Failure) {
        let key = match f.kind {
            Some(k) => {
                self.kinds[k.index()] += 1;
                k.as_str().to_owned()
            }
            None => {
                *self.status.entry(f.status).or_default() += 1;
                format!("status_{}", f.status)
            }
        };
        self.examples.entry(key).or_insert(f.message);
    }

    fn merge(&mut self, o: Errors) {
        for (a, b) in self.kinds.iter_mut().zip(o.kinds) {
            *a += b;
        }
        for (s, n) in o.status {
            *self.status.entry(s).or_default() += n;
        }
        for (k, m) in o.examples {
            self.examples.entry(k).or_insert(m);
        }
    }

    fn total(&self) -> u64 {
        self.kinds.iter().sum::<u64>() + self.status.values().sum::<u64>()
    }
}

/// Latency histograms shared by the workers: at most [`LATENCY_SHARDS`], worker `k`
/// recording into shard `k mod shards` (an uncontended lock per success), added up at the
/// end. One histogram is about 185 KiB (23,552 counters), so one per worker would take
/// 1.8 GB at 10,000 workers.
#[derive(Debug)]
pub(super) struct Latencies(Vec<Mutex<Histogram<u64>>>);

/// Most latency histograms of a run.
const LATENCY_SHARDS: usize = 64;

impl Latencies {
    /// Histograms for `workers` workers: 1 microsecond to 1 hour at 3 significant digits
    /// (a fixed 185 KiB each).
    pub(super) fn new(workers: usize) -> Result<Self, super::Error> {
        let shards = (0..workers.clamp(1, LATENCY_SHARDS))
            .map(|_| {
                Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                    .map(Mutex::new)
                    .map_err(|e| super::Error::Setup(format!("latency histogram: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(shards))
    }

    /// Records the latency of a successful request of worker `id`.
    pub(super) fn record(&self, id: usize, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let mut h = self.0[id % self.0.len()]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        h.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    /// All shards added up; `None` when nothing was recorded.
    fn merged(&self) -> Option<Histogram<u64>> {
        let lock = |h: &Mutex<Histogram<u64>>| {
            h.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        };
        let mut shards = self.0.iter();
        let mut all = shards.next().map(lock)?;
        for h in shards {
            // Same bounds on both sides: adding cannot fail.
            let _ = all.add(lock(h));
        }
        (!all.is_empty()).then_some(all)
    }
}

/// What one worker counted; [`Totals`] adds them up.
#[derive(Debug)]
pub(super) struct WorkerStats {
    ok: u64,
    errors: Errors,
    http_requests: u64,
    connections: u64,
    tls_full: u64,
    tls_resumed: u64,
    key_exchanges: u64,
    tls_version: Option<String>,
    tls_cipher: Option<String>,
    mutual_algorithm: Option<String>,
    max_lag: Duration,
    last_end: Option<Instant>,
}

impl WorkerStats {
    pub(super) fn new() -> Self {
        Self {
            ok: 0,
            errors: Errors::default(),
            http_requests: 0,
            connections: 0,
            tls_full: 0,
            tls_resumed: 0,
            key_exchanges: 0,
            tls_version: None,
            tls_cipher: None,
            mutual_algorithm: None,
            max_lag: Duration::ZERO,
            last_end: None,
        }
    }

    /// Adds one measured request: its costs, its outcome, how late it started, when it
    /// ended (the latency of a success goes to [`Latencies`]).
    pub(super) fn add(
        &mut self,
        c: &Counts,
        result: Result<(), Failure>,
        lag: Duration,
        end: Instant,
    ) {
        self.http_requests += c.http_requests;
        self.connections += c.connections;
        self.tls_full += c.tls_full;
        self.tls_resumed += c.tls_resumed;
        self.key_exchanges += c.key_exchanges;
        if c.tls_version.is_some() {
            self.tls_version.clone_from(&c.tls_version);
            self.tls_cipher.clone_from(&c.tls_cipher);
        }
        if c.mutual_algorithm.is_some() {
            self.mutual_algorithm.clone_from(&c.mutual_algorithm);
        }
        match result {
            Ok(()) => self.ok += 1,
            Err(f) => self.errors.add(f),
        }
        self.max_lag = self.max_lag.max(lag);
        self.last_end = Some(end);
    }
}

/// The workers' stats added up.
#[derive(Debug)]
pub(super) struct Totals(WorkerStats);

impl Totals {
    pub(super) fn new() -> Self {
        Self(WorkerStats::new())
    }

    pub(super) fn add(&mut self, w: WorkerStats) {
        let t = &mut self.0;
        t.ok += w.ok;
        t.errors.merge(w.errors);
        t.http_requests += w.http_requests;
        t.connections += w.connections;
        t.tls_full += w.tls_full;
        t.tls_resumed += w.tls_resumed;
        t.key_exchanges += w.key_exchanges;
        if w.tls_version.is_some() {
            t.tls_version = w.tls_version;
            t.tls_cipher = w.tls_cipher;
        }
        if w.mutual_algorithm.is_some() {
            t.mutual_algorithm = w.mutual_algorithm;
        }
        t.max_lag = t.max_lag.max(w.max_lag);
        t.last_end = t.last_end.max(w.last_end);
    }
}

/// The progress bar task (stderr, only on a terminal and when asked for).
pub(super) struct Progress(Option<tokio::task::JoinHandle<()>>);

impl Progress {
    pub(super) fn start(shared: &Arc<Shared>) -> Self {
        if !shared.config.progress || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let s = Arc::clone(shared);
        Self(Some(tokio::spawn(async move {
            let (len, template) = match s.config.stop {
                Stop::After(d) => (
                    u64::try_from((s.config.warmup + d).as_millis()).unwrap_or(u64::MAX),
                    "{spinner} [{elapsed_precise}] {wide_bar} {msg}",
                ),
                Stop::Count(n) => (
                    n,
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
                ),
            };
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(len),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            while !s.finished.load(Ordering::Relaxed) {
                tick.tick().await;
                let now = Instant::now();
                let done = s.done.load(Ordering::Relaxed);
                match s.config.stop {
                    Stop::After(_) => bar.set_position(
                        u64::try_from(now.saturating_duration_since(s.start).as_millis())
                            .unwrap_or(u64::MAX)
                            .min(len),
                    ),
                    Stop::Count(_) => bar.set_position(done.min(len)),
                }
                if now < s.measure_start {
                    bar.set_message("warm-up");
                } else {
                    let secs = now.duration_since(s.measure_start).as_secs_f64();
                    if secs > 0.0 {
                        bar.set_message(format!("{done} requests, {:.0}/s", done as f64 / secs));
                    }
                }
            }
            bar.finish_and_clear();
        })))
    }

    pub(super) async fn finish(self) {
        if let Some(h) = self.0 {
            let _ = h.await;
        }
    }
}

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    url: String,
    auth: &'static str,
    auth_state: &'static str,
    connection: &'static str,
    client_certificate: bool,
    concurrency: usize,
    threads: usize,
    rate: Option<f64>,
    warmup: Duration,
    expect: u16,
    elapsed: Duration,
    t: WorkerStats,
    /// Latencies of the successes (`None`: there was none).
    latency: Option<Histogram<u64>>,
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Report {
    pub(super) fn new(shared: &Shared, totals: Totals) -> Self {
        let c = &shared.config;
        let t = totals.0;
        // From the start of the measured phase to the last measured response.
        let elapsed = t.last_end.map_or(Duration::ZERO, |e| {
            e.saturating_duration_since(shared.measure_start)
        });
        Self {
            url: c.url.clone(),
            auth: c.auth.as_str(),
            auth_state: c.auth_state.as_str(),
            connection: c.connection.as_str(),
            client_certificate: c.client_cert.is_some(),
            concurrency: c.concurrency,
            threads: c.threads,
            rate: c.rate,
            warmup: c.warmup,
            expect: c.expect,
            elapsed,
            t,
            latency: shared.latencies.merged(),
        }
    }

    /// Successful requests.
    pub fn ok(&self) -> u64 {
        self.t.ok
    }

    /// Failed requests (every kind and unexpected status).
    pub fn failed(&self) -> u64 {
        self.t.errors.total()
    }

    /// Successful requests per second of the measured phase.
    pub fn requests_per_sec(&self) -> f64 {
        per_sec(self.t.ok, self.elapsed)
    }

    fn latency_us(&self) -> Value {
        let Some(h) = &self.latency else {
            return json!({"min": null, "mean": null, "p50": null, "p90": null, "p99": null,
                          "p99_9": null, "max": null});
        };
        json!({
            "min": h.min(),
            "mean": (h.mean() * 10.0).round() / 10.0,
            "p50": h.value_at_quantile(0.50),
            "p90": h.value_at_quantile(0.90),
            "p99": h.value_at_quantile(0.99),
            "p99_9": h.value_at_quantile(0.999),
            "max": h.max(),
        })
    }

    /// The `--json` object (documented in `docs/performance.md`).
    pub fn to_json(&self) -> Value {
        let t = &self.t;
        let mut errors = serde_json::Map::new();
        let status: serde_json::Map<String, Value> = t
            .errors
            .status
            .iter()
            .map(|(s, n)| (s.to_string(), json!(n)))
            .collect();
        errors.insert("status".into(), Value::Object(status));
        for k in ErrorKind::ALL {
            errors.insert(k.as_str().into(), json!(t.errors.kinds[k.index()]));
        }
        let tls = (t.tls_full + t.tls_resumed > 0).then(|| {
            json!({
                "full_handshakes": t.tls_full,
                "resumed": t.tls_resumed,
                "version": t.tls_version,
                "cipher": t.tls_cipher,
            })
        });
        json!({
            "schema": JSON_SCHEMA,
            "tool": "httpauth-load",
            "version": env!("CARGO_PKG_VERSION"),
            "url": self.url,
            "auth": self.auth,
            "auth_state": self.auth_state,
            "connection": self.connection,
            "client_certificate": self.client_certificate,
            "concurrency": self.concurrency,
            "threads": self.threads,
            "rate": self.rate,
            "warmup_secs": self.warmup.as_secs_f64(),
            "expect": self.expect,
            "elapsed_secs": round3(self.elapsed.as_secs_f64()),
            "requests": t.ok + t.errors.total(),
            "ok": t.ok,
            "failed": t.errors.total(),
            "http_requests": t.http_requests,
            "requests_per_sec": round3(self.requests_per_sec()),
            "latency_us": self.latency_us(),
            "errors": errors,
            "error_examples": t.errors.examples,
            "key_exchanges": t.key_exchanges,
            "key_exchanges_per_sec": round3(per_sec(t.key_exchanges, self.elapsed)),
            "mutual_algorithm": t.mutual_algorithm,
            "connections": t.connections,
            "tls": tls,
            "max_schedule_lag_us": self.rate.map(|_| us(t.max_lag)),
        })
    }

    /// A human-readable summary.
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let t = &self.t;
        let mut s = String::new();
        let load = match self.rate {
            Some(r) => format!(
                "fixed rate {r} requests/s over {} connections",
                self.concurrency
            ),
            None => format!("{} workers, closed loop", self.concurrency),
        };
        let _ = writeln!(
            s,
            "{} (auth {}, {}, connection {}; {load})",
            self.url, self.auth, self.auth_state, self.connection
        );
        let _ = writeln!(
            s,
            "  {} requests in {:.3} s: {} ok, {} failed; {:.1} requests/s ({} HTTP requests)",
            t.ok + t.errors.total(),
            self.elapsed.as_secs_f64(),
            t.ok,
            t.errors.total(),
            self.requests_per_sec(),
            t.http_requests
        );
        if let Some(h) = &self.latency {
            let ms = |v: u64| v as f64 / 1000.0;
            let _ = writeln!(
                s,
                "  latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}{}",
                ms(h.value_at_quantile(0.5)),
                ms(h.value_at_quantile(0.9)),
                ms(h.value_at_quantile(0.99)),
                ms(h.value_at_quantile(0.999)),
                ms(h.max()),
                if self.rate.is_some() {
                    " (from the intended send times)"
                } else {
                    ""
                }
            );
        }
        if t.key_exchanges > 0 {
            let _ = writeln!(
                s,
                "  key exchanges: {} ({:.1}/s, {})",
                t.key_exchanges,
                per_sec(t.key_exchanges, self.elapsed),
                t.mutual_algorithm.as_deref().unwrap_or("?")
            );
        }
        let _ = write!(s, "  connections: {}", t.connections);
        if t.tls_full + t.tls_resumed > 0 {
            let _ = write!(
                s,
                "; TLS {} full, {} resumed ({}, {})",
                t.tls_full,
                t.tls_resumed,
                t.tls_version.as_deref().unwrap_or("?"),
                t.tls_cipher.as_deref().unwrap_or("?")
            );
        }
        s.push('\n');
        if t.errors.total() > 0 {
            let mut parts: Vec<String> = t
                .errors
                .status
                .iter()
                .map(|(st, n)| format!("status {st}: {n}"))
                .collect();
            for k in ErrorKind::ALL {
                let n = t.errors.kinds[k.index()];
                if n > 0 {
                    parts.push(format!("{}: {n}", k.as_str()));
                }
            }
            let _ = writeln!(s, "  errors: {}", parts.join(", "));
            for (k, m) in &t.errors.examples {
                let _ = writeln!(s, "    {k}: {m}");
            }
        }
        s
    }
}

fn per_sec(n: u64, d: Duration) -> f64 {
    let secs = d.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_are_listed_once_in_index_order() {
        for (i, k) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i, "{k:?}");
        }
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn worker_stats_add_up_with_errors_by_kind_and_status() {
        let mut a = WorkerStats::new();
        let now = Instant::now();
        let c = Counts {
            http_requests: 2,
            connections: 1,
            key_exchanges: 1,
            ..Counts::default()
        };
        a.add(&c, Ok(()), Duration::ZERO, now);
        a.add(
            &Counts::default(),
            Err(Failure {
                kind: None,
                status: 403,
                message: "status 403".into(),
            }),
            Duration::from_millis(2),
            now,
        );
        let mut b = WorkerStats::new();
        b.add(&c, Ok(()), Duration::ZERO, now);
        let mut t = Totals::new();
        t.add(a);
        t.add(b);
        let t = t.0;
        assert_eq!((t.ok, t.errors.total()), (2, 1));
        assert_eq!((t.http_requests, t.key_exchanges), (4, 2));
        assert_eq!(t.errors.status.get(&403), Some(&1));
        assert_eq!(t.max_lag, Duration::from_millis(2));
    }

    #[test]
    fn latencies_are_sharded_and_added_up() {
        let l = Latencies::new(1000).unwrap();
        assert_eq!(l.0.len(), LATENCY_SHARDS);
        for id in 0..200 {
            l.record(id, Duration::from_micros(100 + id as u64));
        }
        // Out of range either way: recorded at the bounds.
        l.record(7, Duration::ZERO);
        l.record(8, Duration::from_secs(7200));
        let h = l.merged().unwrap();
        assert_eq!(h.len(), 202);
        assert_eq!(h.min(), 1);
        assert!(h.max() >= MAX_LATENCY_US - MAX_LATENCY_US / 1000);
        assert!((145..=155).contains(&h.value_at_quantile(0.25)));
        let few = Latencies::new(3).unwrap();
        assert_eq!(few.0.len(), 3);
        assert!(few.merged().is_none(), "nothing recorded");
    }
}
