//! A server-side cache that reloads a file when it changes.

use crate::{
    Error, GroupFile, HtdigestFile, HtmutualFile, HtpasswdFile, LoadWarning, Verdict, VerifyPolicy,
};
use httpauth_core::{
    CredentialQuery, CredentialStore, GroupStore, HashFunction, Password, PasswordVerifier,
    StoredCredential,
};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// What identifies one version of a file: a rename gives a new inode, an in-place edit a
/// new size or modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_nsec: i64,
    ctime: i64,
    ctime_nsec: i64,
}

impl Stamp {
    fn of(path: &Path) -> Result<Self, Error> {
        let m = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
            ctime: m.ctime(),
            ctime_nsec: m.ctime_nsec(),
        })
    }
}

struct Snapshot<T> {
    value: Arc<T>,
    stamp: Stamp,
}

/// A version that failed to load: its stamp, the line error if it was one, and the message
/// of any other error (errors are not `Clone`).
type FailedVersion = (Stamp, Option<(usize, crate::LineError)>, String);

type Loader<T> = dyn Fn(&[u8]) -> Result<T, Error> + Send + Sync;
type Inspector<T> = dyn Fn(&T) -> Vec<LoadWarning> + Send + Sync;

/// What a [`FileCache`] tells its owner, to be logged; each message names the file (and
/// the line, when there is one).
#[derive(Debug)]
#[non_exhaustive]
pub enum FileEvent<'a> {
    /// A changed version of the file could not be loaded (`Display` gives
    /// `path:line: what`). Lookups fail closed ([`httpauth_core::Error::StoreCorrupt`] or
    /// [`httpauth_core::Error::StoreUnavailable`]) until the file is fixed. Reported once
    /// per broken version, not per request.
    LoadFailed(&'a Error),
    /// A version was loaded (at [`FileCache::with_reporter`] or after a change) that holds
    /// a record the policy will never verify (for example a DES entry while
    /// [`VerifyPolicy::allow_des`] is off). Once per record and version.
    Warning(&'a LoadWarning),
    /// A changed version of the file was loaded.
    Reloaded(&'a Path),
}

impl core::fmt::Display for FileEvent<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FileEvent::LoadFailed(e) => write!(f, "{e}; lookups fail until it is fixed"),
            FileEvent::Warning(w) => write!(f, "{w}"),
            FileEvent::Reloaded(p) => write!(f, "{}: reloaded", p.display()),
        }
    }
}

/// The callback a [`FileCache`] reports to; typically it logs (`tracing::error!` for
/// [`FileEvent::LoadFailed`], `warn!` for [`FileEvent::Warning`]).
///
/// It runs on the request that noticed the change, while that request holds the reload
/// lock (other requests keep answering meanwhile): it should be quick and must not panic
/// (a panic poisons the lock, and lookups then fail closed).
///
/// ```no_run
/// use authfile::{FileCache, FileEvent, VerifyPolicy};
/// use std::sync::Arc;
/// let users = FileCache::htpasswd("/etc/apache2/.htpasswd", VerifyPolicy::default())?
///     .with_reporter(Arc::new(|e: &FileEvent<'_>| eprintln!("AuthUserFile: {e}")));
/// # Ok::<(), authfile::Error>(())
/// ```
pub type Reporter = Arc<dyn Fn(&FileEvent<'_>) + Send + Sync>;

/// A parsed file that is reloaded when the file changes (inode, size, mtime or ctime).
///
/// Every lookup `stat`s the file. When it changed, one caller re-reads and parses it while
/// the others keep answering from the previous version: readers never wait for a reload.
/// A file that fails to parse fails closed (lookups return
/// [`httpauth_core::Error::StoreCorrupt`]) until it is fixed; the broken version is parsed
/// once, not on every request. The core error carries no detail, so the cache reports the
/// failure, naming file and line, to the [`Reporter`] set with
/// [`with_reporter`](Self::with_reporter), once per broken version; [`get`](Self::get)
/// returns it too. Records the policy refuses are reported as warnings at every load.
///
/// ```no_run
/// use authfile::{FileCache, VerifyPolicy};
/// use httpauth_core::{Password, PasswordVerifier};
/// let users = FileCache::htpasswd("/etc/apache2/.htpasswd", VerifyPolicy::default())?;
/// let ok = users.verify_password("alice", &Password::from("secret"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FileCache<T> {
    path: PathBuf,
    loader: Box<Loader<T>>,
    current: RwLock<Arc<Snapshot<T>>>,
    /// Held by the one caller reloading; also remembers a version that failed to parse.
    reloading: Mutex<Option<FailedVersion>>,
    inspect: Option<Box<Inspector<T>>>,
    reporter: Option<Reporter>,
    /// See [`with_recheck_interval`](Self::with_recheck_interval); zero: every lookup.
    recheck: Duration,
    /// When the file was last seen unchanged: nanoseconds since `epoch`, 0 for never.
    checked: AtomicU64,
    epoch: Instant,
}

impl<T> core::fmt::Debug for FileCache<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileCache")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> FileCache<T> {
    /// Loads `path` with `loader` now and keeps it fresh.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn new(
        path: impl Into<PathBuf>,
        loader: impl Fn(&[u8]) -> Result<T, Error> + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        let path = path.into();
        let loader: Box<Loader<T>> = Box::new(loader);
        let snap = load(&path, &*loader)?;
        Ok(Self {
            path,
            loader,
            current: RwLock::new(Arc::new(snap)),
            reloading: Mutex::new(None),
            inspect: None,
            reporter: None,
            recheck: Duration::ZERO,
            checked: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// `stat`s the file at most once per `interval` while it is unchanged (the default,
    /// zero, `stat`s it on every lookup). A change is then seen up to `interval` late;
    /// a version that failed to load is still checked on every lookup, so a broken file
    /// fails closed at once. One `stat` costs a path walk (microseconds), which a busy
    /// server otherwise pays per request; a millisecond saves nearly all of them.
    pub fn with_recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck = interval;
        self
    }

    /// Nanoseconds since `epoch`, never 0.
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Notes that the current version was found unchanged (or just loaded).
    fn mark_checked(&self) {
        if !self.recheck.is_zero() {
            self.checked.store(self.now_nanos(), Ordering::Relaxed);
        }
    }

    /// Reports load failures, reloads and warnings to `reporter` from now on, starting
    /// with the warnings of the version loaded now.
    pub fn with_reporter(mut self, reporter: Reporter) -> Self {
        self.reporter = Some(reporter);
        let snap = self.snapshot();
        self.report_warnings(&snap.value);
        self
    }

    /// Sets how a loaded version is inspected for warnings (the constructors for
    /// htpasswd files set this up already).
    pub fn with_inspector(
        mut self,
        inspect: impl Fn(&T) -> Vec<LoadWarning> + Send + Sync + 'static,
    ) -> Self {
        self.inspect = Some(Box::new(inspect));
        self
    }

    fn report(&self, event: &FileEvent<'_>) {
        if let Some(r) = &self.reporter {
            r(event);
        }
    }

    fn report_warnings(&self, value: &T) {
        if let (Some(inspect), Some(_)) = (&self.inspect, &self.reporter) {
            for w in inspect(value) {
                self.report(&FileEvent::Warning(&w.in_file(&self.path)));
            }
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current version of the file, reloading it first if it changed.
    ///
    /// # Errors
    /// The file cannot be `stat`ed, read, or parsed.
    pub fn get(&self) -> Result<Arc<T>, Error> {
        if !self.recheck.is_zero() {
            let last = self.checked.load(Ordering::Relaxed);
            let interval = u64::try_from(self.recheck.as_nanos()).unwrap_or(u64::MAX);
            if last != 0 && self.now_nanos().saturating_sub(last) < interval {
                return Ok(Arc::clone(&self.snapshot().value));
            }
        }
        let stamp = Stamp::of(&self.path)?;
        let snap = self.snapshot();
        if snap.stamp == stamp {
            self.mark_checked();
            return Ok(Arc::clone(&snap.value));
        }
        // Changed: every lookup checks again until a version is current.
        self.checked.store(0, Ordering::Relaxed);
        match self.reloading.try_lock() {
            Ok(mut failed) => {
                if let Some((bad, why, message)) = &*failed
                    && *bad == stamp
                {
                    // This version already failed to parse (and was reported); do not
                    // parse it on every request.
                    return Err(match *why {
                        Some((line, kind)) => Error::FileLine {
                            path: self.path.clone(),
                            line,
                            kind,
                        },
                        None => Error::io(&self.path, std::io::Error::other(message.clone())),
                    });
                }
                // Another caller may have reloaded between our check and the lock.
                let snap = self.snapshot();
                if snap.stamp == stamp {
                    return Ok(Arc::clone(&snap.value));
                }
                match load(&self.path, &*self.loader) {
                    Ok(new) => {
                        let value = Arc::clone(&new.value);
                        if let Ok(mut w) = self.current.write() {
                            *w = Arc::new(new);
                        }
                        *failed = None;
                        self.mark_checked();
                        self.report(&FileEvent::Reloaded(&self.path));
                        self.report_warnings(&value);
                        Ok(value)
                    }
                    Err(e) => {
                        let why = match &e {
                            Error::FileLine { line, kind, .. } => Some((*line, *kind)),
                            _ => None,
                        };
                        self.report(&FileEvent::LoadFailed(&e));
                        *failed = Some((stamp, why, e.to_string()));
                        Err(e)
                    }
                }
            }
            // Someone else is reloading: answer from the version we have.
            Err(std::sync::TryLockError::WouldBlock) => Ok(Arc::clone(&snap.value)),
            Err(std::sync::TryLockError::Poisoned(_)) => Err(Error::io(
                &self.path,
                std::io::Error::other("reload lock poisoned"),
            )),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot<T>> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }
}

fn load<T>(path: &Path, loader: &Loader<T>) -> Result<Snapshot<T>, Error> {
    // Stat before reading: if the file changes in between, the next lookup sees a new stamp.
    let stamp = Stamp::of(path)?;
    let bytes = crate::read_limited(path)?;
    let value = loader(&bytes).map_err(|e| e.in_file(path))?;
    Ok(Snapshot {
        value: Arc::new(value),
        stamp,
    })
}

impl FileCache<HtpasswdFile> {
    /// An htpasswd file verified under `policy`.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn htpasswd(path: impl Into<PathBuf>, policy: VerifyPolicy) -> Result<Self, Error> {
        Ok(Self::new(path, move |b| {
            HtpasswdFile::parse(b).map(|f| f.with_policy(policy))
        })?
        .with_inspector(HtpasswdFile::policy_warnings))
    }

    /// [`HtpasswdFile::check`] on the current version.
    ///
    /// # Errors
    /// The file cannot be `stat`ed, read, or parsed (see [`get`](Self::get)).
    pub fn check(&self, user: &str, password: &[u8]) -> Result<Verdict, Error> {
        Ok(self.get()?.check(user, password))
    }
}

impl FileCache<HtdigestFile> {
    /// An htdigest file.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn htdigest(path: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::new(path, HtdigestFile::parse)
    }
}

impl FileCache<HtmutualFile> {
    /// An htmutual file.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn htmutual(path: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::new(path, HtmutualFile::parse)
    }
}

impl FileCache<GroupFile> {
    /// A group file.
    ///
    /// # Errors
    /// Reading or parsing the file.
    pub fn group(path: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::new(path, GroupFile::parse)
    }
}

impl<T: PasswordVerifier + Send + Sync + 'static> PasswordVerifier for FileCache<T> {
    fn verify_password(
        &self,
        user: &str,
        password: &Password,
    ) -> Result<bool, httpauth_core::Error> {
        self.get()?.verify_password(user, password)
    }

    fn verify_estimate(&self, user: &str, password_len: usize) -> Option<Duration> {
        self.get().ok()?.verify_estimate(user, password_len)
    }
}

impl<T: CredentialStore + Send + Sync + 'static> CredentialStore for FileCache<T> {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        self.get()?.lookup(user, query)
    }

    fn find_by_userhash(
        &self,
        realm: &str,
        hash: HashFunction,
        userhash: &[u8],
    ) -> Result<Option<String>, httpauth_core::Error> {
        self.get()?.find_by_userhash(realm, hash, userhash)
    }

    /// The current contents' answer; `None` when the file cannot be read now.
    fn digest_hashes(&self) -> Option<Vec<HashFunction>> {
        self.get().ok()?.digest_hashes()
    }

    /// The file's path.
    fn description(&self) -> Option<String> {
        Some(self.path().display().to_string())
    }
}

impl<T: GroupStore + Send + Sync + 'static> GroupStore for FileCache<T> {
    fn is_member(&self, user: &str, group: &str) -> Result<bool, httpauth_core::Error> {
        self.get()?.is_member(user, group)
    }
}
