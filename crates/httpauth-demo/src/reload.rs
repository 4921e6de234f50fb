//! Configuration reload: the file named by `--config` is polled and re-read on SIGHUP; a
//! new configuration that parses and loads replaces the running one for new requests
//! (see [`Running::reload`](crate::Running::reload) for what changes and what needs a
//! restart), one with errors is logged with its line and directive and changes nothing.
//!
//! Password, digest, htmutual and group files reload on their own (`authfile::FileCache`
//! checks them on use); this module covers the policy itself: locations, `Require`,
//! `SSLRequire`, `Satisfy`, schemes, upstreams, TLS settings.
//!
//! A file is applied only once it reads the same twice, [`SETTLE`] apart, so a file
//! caught half-written (an editor that truncates, then writes) is not taken for a
//! shorter configuration: a truncated policy can be valid TOML that protects less.
//! SIGHUP applies the file as it is, at once.

use crate::server::{State, reload_state};
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

/// The watcher task behind [`Running::watch`](crate::Running::watch).
pub(crate) async fn watch_loop(
    state: Arc<State>,
    options: Options,
    mut shutdown: watch::Receiver<bool>,
    mut hup: Hangup,
) {
    let path: Option<PathBuf> = options.config.clone();
    // The file as it is now counts as applied (startup read it moments ago).
    let mut seen = match &path {
        Some(p) => read_async(p).await.ok().map(|(_, h)| h),
        None => None,
    };
    let mut last_error: Option<String> = None;
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = tick.tick() => false,
            () = next_hangup(&mut hup) => true,
            _ = shutdown.changed() => break,
        };
        let Some(p) = &path else {
            if forced {
                tracing::info!("SIGHUP: reloading the embedded configuration");
                apply(&state, &options, None, String::new()).await;
            }
            continue;
        };
        let (text, hash) = match read_async(p).await {
            Ok(x) => x,
            Err(e) => {
                // Logged once per distinct error, not every second (always on SIGHUP).
                if forced || last_error.as_deref() != Some(e.as_str()) {
                    tracing::error!(error = %e, "configuration file unreadable; the running configuration stays");
                    last_error = Some(e);
                }
                continue;
            }
        };
        last_error = None;
        if !forced && seen == Some(hash) {
            continue;
        }
        if forced {
            tracing::info!(file = %p.display(), "SIGHUP: reloading the configuration");
        } else {
            tokio::time::sleep(SETTLE).await;
            match read_async(p).await {
                Ok((_, again)) if again == hash => {}
                // Still being written: the next poll looks again.
                _ => continue,
            }
            tracing::info!(file = %p.display(), "configuration file changed");
        }
        // Recorded before applying, so a file with errors is reported once.
        seen = Some(hash);
        apply(&state, &options, Some(p), text).await;
    }
}
