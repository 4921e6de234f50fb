//! Configuration reload: the file named by `--config` is polled and re-read on SIGHUP; a
//! new configuration that parses and loads replaces the running one for new requests
//! (see [`Running::reload`](crate::Running::reload) for what changes and what needs a
//! restart), one with errors is logged with its line and directive and changes nothing.
//!
//! Password, digest, htmutual and group files reload on their own (`authfile::FileCache`
//! checks them on use); this module covers the policy itself: locations, `Require`,
//! `SSLRequire`, `Satisfy`, schemes, upstreams, TLS settings. The TLS files the policy
//! names (certificate chain, key, client CA bundle, CRLs) are polled too: a CRL rewritten
//! by `httpauth-ca crl` applies to the next handshake without touching the
//! configuration (Apache needs a graceful restart for that).
//!
//! A file is applied only once it reads the same twice, [`SETTLE`] apart, so a file
//! caught half-written (an editor that truncates, then writes) is not taken for a
//! shorter configuration: a truncated policy can be valid TOML that protects less.
//! SIGHUP applies the file as it is, at once.

use crate::server::{State, reload_state, reload_tls, tls_files};
use crate::{Error, Options};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the configuration file is checked for changes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long a changed file must stay unchanged before it is applied.
pub const SETTLE: Duration = Duration::from_millis(300);

/// What a reload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReloadReport {
    /// Paths of the locations built anew (new or changed): their Digest nonces and
    /// Mutual sessions start afresh.
    pub rebuilt: Vec<String>,
    /// Locations carried over unchanged, with their nonces and sessions.
    pub kept: usize,
    /// Directives that changed but take effect only after a restart (listeners,
    /// `server.kex_concurrency`, `server.max_connections`, `server.demo_setup`).
    pub restart_needed: Vec<String>,
}

/// The SIGHUP stream (Unix), registered now so that no signal is lost.
#[cfg(unix)]
pub(crate) type Hangup = Option<tokio::signal::unix::Signal>;
/// No SIGHUP outside Unix.
#[cfg(not(unix))]
pub(crate) type Hangup = Option<std::convert::Infallible>;

/// Registers the SIGHUP handler. Call it inside the runtime.
pub(crate) fn hangup() -> Result<Hangup, Error> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Some(signal(SignalKind::hangup())?))
    }
    #[cfg(not(unix))]
    {
        Ok(None)
    }
}

async fn next_hangup(h: &mut Hangup) {
    #[cfg(unix)]
    if let Some(s) = h {
        if s.recv().await.is_some() {
            return;
        }
        // The signal driver is gone: stop listening rather than spin.
        *h = None;
    }
    #[cfg(not(unix))]
    let _ = h;
    std::future::pending::<()>().await;
}

/// The configuration text and its SHA-256, or the error reading it.
type Snapshot = Result<(String, [u8; 32]), String>;

fn read(path: &Path) -> Snapshot {
    let text = crate::read_config_file(path).map_err(|e| e.to_string())?;
    let hash = Sha256::digest(text.as_bytes()).into();
    Ok((text, hash))
}

async fn read_async(path: &Path) -> Snapshot {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || read(&p))
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
}

/// Parses, loads and applies `text` (or the embedded configuration when `path` is
/// `None`), logging the outcome. Runs on the blocking pool: it reads files.
async fn apply(state: &Arc<State>, options: &Options, path: Option<&Path>, text: String) {
    let state = Arc::clone(state);
    let options = options.clone();
    let name = path.map_or_else(|| "<embedded>".to_owned(), |p| p.display().to_string());
    let result = tokio::task::spawn_blocking(move || {
        let text = if options.config.is_some() {
            text
        } else {
            crate::DEFAULT_CONFIG.to_owned()
        };
        if text.trim().is_empty() {
            return Err(Error::Config {
                file: name,
                line: 1,
                directive: "(file)".into(),
                message: "empty; a configuration being rewritten? not applied".into(),
            });
        }
        let config = crate::load_text(&options, &text, &name)?;
        reload_state(&state, config)
    })
    .await;
    match result {
        Ok(Ok(report)) => {
            tracing::info!(
                rebuilt = ?report.rebuilt,
                kept = report.kept,
                "configuration reloaded"
            );
            if !report.restart_needed.is_empty() {
                tracing::warn!(
                    directives = ?report.restart_needed,
                    "configuration reloaded; these changes need a restart and are not in effect"
                );
            }
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "configuration not reloaded; the running configuration stays");
        }
        Err(e) => tracing::error!(error = %e, "configuration reload failed"),
    }
}

/// SHA-256 over the TLS files' contents (a file that cannot be read counts by its
/// error), so a rewritten CRL is seen even when its size and modification time repeat.
fn tls_fingerprint(files: &[PathBuf]) -> [u8; 32] {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.as_os_str().as_encoded_bytes());
        h.update([0]);
        match std::fs::read(f) {
            Ok(bytes) => {
                h.update([1]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(&bytes);
            }
            Err(e) => {
                h.update([2]);
                h.update(e.to_string().as_bytes());
            }
        }
    }
    h.finalize().into()
}

async fn tls_fingerprint_async(state: &Arc<State>) -> [u8; 32] {
    let files = tls_files(state);
    tokio::task::spawn_blocking(move || tls_fingerprint(&files))
        .await
        .unwrap_or([0; 32])
}

/// State of the watcher between polls.
struct Watcher {
    state: Arc<State>,
    options: Options,
    path: Option<PathBuf>,
    /// Hash of the configuration last applied (or found at start).
    seen: Option<[u8; 32]>,
    last_error: Option<String>,
    /// Fingerprint of the TLS files in force.
    tls_seen: [u8; 32],
}

impl Watcher {
    /// Checks the configuration file; applies it when it changed (and settled) or when
    /// `forced` (SIGHUP).
    async fn config(&mut self, forced: bool) {
        let Some(p) = self.path.clone() else {
            if forced {
                tracing::info!("SIGHUP: reloading the embedded configuration");
                apply(&self.state, &self.options, None, String::new()).await;
                self.tls_seen = tls_fingerprint_async(&self.state).await;
            }
            return;
        };
        let (text, hash) = match read_async(&p).await {
            Ok(x) => x,
            Err(e) => {
                // Logged once per distinct error, not every second (always on SIGHUP).
                if forced || self.last_error.as_deref() != Some(e.as_str()) {
                    tracing::error!(error = %e, "configuration file unreadable; the running configuration stays");
                    self.last_error = Some(e);
                }
                return;
            }
        };
        self.last_error = None;
        if !forced && self.seen == Some(hash) {
            return;
        }
        if forced {
            tracing::info!(file = %p.display(), "SIGHUP: reloading the configuration");
        } else {
            tokio::time::sleep(SETTLE).await;
            match read_async(&p).await {
                Ok((_, again)) if again == hash => {}
                // Still being written: the next poll looks again.
                _ => return,
            }
            tracing::info!(file = %p.display(), "configuration file changed");
        }
        // Recorded before applying, so a file with errors is reported once.
        self.seen = Some(hash);
        apply(&self.state, &self.options, Some(&p), text).await;
        // A reload read the TLS files itself.
        self.tls_seen = tls_fingerprint_async(&self.state).await;
    }

    /// Checks the TLS files (certificate, key, client CA, CRLs); when one changed and
    /// settled, builds the TLS setup anew for new connections. This is how a CRL written
    /// by `httpauth-ca crl` takes effect without a restart.
    async fn tls(&mut self) {
        let now = tls_fingerprint_async(&self.state).await;
        if now == self.tls_seen {
            return;
        }
        tokio::time::sleep(SETTLE).await;
        if tls_fingerprint_async(&self.state).await != now {
            return;
        }
        // Recorded first: a file with errors is reported once, not every second.
        self.tls_seen = now;
        let state = Arc::clone(&self.state);
        match tokio::task::spawn_blocking(move || reload_tls(&state)).await {
            Ok(Ok(true)) => tracing::info!(
                "TLS files changed (certificate, key, client CA or CRL): reloaded for new connections"
            ),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => tracing::error!(
                error = %e,
                "TLS files changed but cannot be loaded; the running TLS setup stays"
            ),
            Err(e) => tracing::error!(error = %e, "TLS reload failed"),
        }
    }
}

/// The watcher task behind [`Running::watch`](crate::Running::watch).
pub(crate) async fn watch_loop(
    state: Arc<State>,
    options: Options,
    mut shutdown: watch::Receiver<bool>,
    mut hup: Hangup,
) {
    let path: Option<PathBuf> = options.config.clone();
    // The files as they are now count as applied (startup read them moments ago).
    let seen = match &path {
        Some(p) => read_async(p).await.ok().map(|(_, h)| h),
        None => None,
    };
    let tls_seen = tls_fingerprint_async(&state).await;
    let mut w = Watcher {
        state,
        options,
        path,
        seen,
        last_error: None,
        tls_seen,
    };
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = tick.tick() => false,
            () = next_hangup(&mut hup) => true,
            _ = shutdown.changed() => break,
        };
        w.config(forced).await;
        w.tls().await;
    }
}
