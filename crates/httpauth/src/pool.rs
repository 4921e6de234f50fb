//! Bounded pools for expensive authentication work ([`Cost::Cpu`](httpauth_core::Cost)).
//!
//! Each scheme gets its own [`WorkPool`]: a flood of wrong Basic passwords (bcrypt) queues
//! behind the Basic pool and cannot delay a Mutual key exchange, and neither can delay an
//! established session, whose cheap checks never enter a pool. A pool runs at most
//! `concurrency` jobs at once on threads of its own and lets at most `max_queue` more
//! wait; beyond that, or after waiting `max_wait`, a request is answered 503 with
//! `Retry-After` instead of growing a queue without bound.
//!
//! # CPU priority
//! Never entering a pool is not enough for an established session: a request on it also
//! needs a CPU, and a pool's jobs are CPU-bound for milliseconds (a Mutual key exchange,
//! bcrypt). When every core is busy (other pools, other processes), the scheduler shares
//! them fairly among all runnable threads, and a cheap request waits for a time slice
//! behind the key exchanges: measured with the `mutual_flood` benchmark on 2 loaded
//! cores (issue 19), p99 of established-session requests went from about 0.2 ms idle to
//! 3-4 ms under a flood of unfinished key exchanges, and a plain busy loop at normal
//! priority did the same to an idle server. So a pool's threads lower their own priority
//! when they start ([`PoolLimits::background`], on by default: nice 10 on Unix, the same
//! point of the `thread-priority` crate's portable scale elsewhere), and the executor's
//! threads, which serve established sessions, are scheduled first. The threads are the
//! pool's own (started on first use, ended with the pool), not the runtime's blocking
//! threads, whose priority is not changed. A process that already runs at nice 10 or
//! more keeps its priority in the pools too (checked on Linux).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Why a job did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// The queue is full, or the job waited too long: answer 503 with `Retry-After`.
    #[error("authentication work pool {pool:?} is busy")]
    Busy {
        /// The pool's name (the scheme).
        pool: &'static str,
        /// What to send as `Retry-After`.
        retry_after: Duration,
    },
    /// The job panicked or the runtime is shutting down.
    #[error("authentication work was cancelled")]
    Cancelled,
}

/// Sizes of a [`WorkPool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolLimits {
    /// Jobs running at once.
    pub concurrency: usize,
    /// Jobs waiting at most; the next one is refused at once.
    pub max_queue: usize,
    /// Longest wait for a place before the job is refused.
    pub max_wait: Duration,
    /// `Retry-After` sent with a refusal.
    pub retry_after: Duration,
    /// Run the jobs at a lowered CPU priority (see the [module documentation](self)).
    pub background: bool,
}

impl PoolLimits {
    /// `concurrency` jobs at once, 64 waiting per running job, 2 s wait, `Retry-After: 1`,
    /// at background priority.
    pub fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            concurrency,
            max_queue: concurrency.saturating_mul(64),
            max_wait: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
            background: true,
        }
    }

    /// Sets whether the jobs run at a lowered CPU priority.
    pub fn with_background(mut self, background: bool) -> Self {
        self.background = background;
        self
    }

    /// Sets the queue bound.
    pub fn with_max_queue(mut self, max_queue: usize) -> Self {
        self.max_queue = max_queue;
        self
    }

    /// Sets the longest wait.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

impl Default for PoolLimits {
    /// Half the machine's cores (at least one): the other half stays for the executor,
    /// which serves established sessions.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores.div_ceil(2))
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The CPU priority a pool thread gives itself: 22 on the `thread-priority` crate's
/// portable 0..=99 scale, which is nice 10 on Unix (its mapping: nice =
/// trunc(39 * (1 - p / 99)) - 20; under Linux's fair scheduler a nice 10 thread gets about
/// a tenth of a nice 0 thread's share of a busy core).
const BACKGROUND_PRIORITY: u8 = 22;
/// [`BACKGROUND_PRIORITY`] as a nice value.
const BACKGROUND_NICE: i64 = 10;

/// The calling thread's nice value (`/proc/thread-self/stat`, field 19).
#[cfg(target_os = "linux")]
fn current_nice() -> Option<i64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Field 2 (the thread's name) is in parentheses and may hold spaces: count after it.
    let after = stat.get(stat.rfind(')')? + 2..)?;
    after.split(' ').nth(16)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn current_nice() -> Option<i64> {
    None
}

/// Lowers the calling thread's priority to [`BACKGROUND_PRIORITY`], never raises it (the
/// value set is absolute: a thread already at nice 10 or more is left as it is).
fn lower_priority() {
    if current_nice().is_some_and(|n| n >= BACKGROUND_NICE) {
        return;
    }
    let set = thread_priority::ThreadPriorityValue::try_from(BACKGROUND_PRIORITY)
        .map_err(|e| format!("{e:?}"))
        .and_then(|p| {
            thread_priority::set_current_thread_priority(
                thread_priority::ThreadPriority::Crossplatform(p),
            )
            .map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = set {
        // The jobs still run, at normal priority.
        tracing::debug!(error = %e, "could not lower a pool thread's priority");
    }
}

/// Starts the threads of a pool; the returned sender feeds them. They end when it is
/// dropped (with the pool). A thread that cannot be started only lowers the concurrency;
/// with none, every job is refused as cancelled.
fn start_threads(name: &'static str, limits: &PoolLimits) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..limits.concurrency {
        let (rx, background) = (Arc::clone(&rx), limits.background);
        let started = std::thread::Builder::new()
            .name(format!("httpauth-{}-{i}", name.to_ascii_lowercase()))
            .spawn(move || {
                if background {
                    lower_priority();
                }
                loop {
                    // The lock is held while waiting: one idle thread waits for the next
                    // job, the others for the lock.
                    let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        if let Err(e) = started {
            tracing::warn!(pool = name, error = %e, "could not start a pool thread");
        }
    }
    tx
}

/// A bounded pool of threads for one kind of expensive work.
#[derive(Debug)]
pub struct WorkPool {
    name: &'static str,
    limits: PoolLimits,
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    /// Feeds the pool's threads, which are started on the first job.
    threads: OnceLock<mpsc::Sender<Job>>,
}

impl WorkPool {
    /// A pool called `name` (for logs and errors).
    pub fn new(name: &'static str, limits: PoolLimits) -> Self {
        Self {
            name,
            limits,
            running: Arc::new(Semaphore::new(limits.concurrency)),
            waiting: AtomicUsize::new(0),
            threads: OnceLock::new(),
        }
    }

    /// Jobs waiting for a place now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    fn busy(&self) -> PoolError {
        PoolError::Busy {
            pool: self.name,
            retry_after: self.limits.retry_after,
        }
    }

    /// Runs `job` on one of the pool's threads once a place is free.
    ///
    /// # Errors
    /// [`PoolError::Busy`] when the queue is full or the wait too long;
    /// [`PoolError::Cancelled`] when the job panicked or no pool thread could be started.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = match Arc::clone(&self.running).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limits.max_queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(self.busy());
                }
                let acquired = tokio::time::timeout(
                    self.limits.max_wait,
                    Arc::clone(&self.running).acquire_owned(),
                )
                .await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                match acquired {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) => return Err(PoolError::Cancelled),
                    Err(_) => return Err(self.busy()),
                }
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panicking job ends neither the thread nor the pool.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            drop(permit);
            let _ = done.send(r);
        });
        let sent = self
            .threads
            .get_or_init(|| start_threads(self.name, &self.limits))
            .send(job);
        if sent.is_err() {
            return Err(PoolError::Cancelled);
        }
        match result.await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(_)) | Err(_) => Err(PoolError::Cancelled),
        }
    }
}

/// One [`WorkPool`] per scheme name, made on first use with the same limits.
#[derive(Debug)]
pub struct Pools {
    limits: PoolLimits,
    pools: std::sync::RwLock<HashMap<String, Arc<WorkPool>>>,
}

impl Pools {
    /// Pools with `limits` each.
    pub fn new(limits: PoolLimits) -> Self {
        Self {
            limits,
            pools: std::sync::RwLock::new(HashMap::new()),
        }
    }

    /// The pool for `scheme` (case-insensitive).
    pub fn for_scheme(&self, scheme: &str) -> Arc<WorkPool> {
        let key = scheme.to_ascii_lowercase();
        if let Some(p) = self
            .pools
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Arc::clone(p);
        }
        let mut w = self.pools.write().unwrap_or_else(|e| e.into_inner());
        let name: &'static str = match key.as_str() {
            "basic" => "Basic",
            "digest" => "Digest",
            "mutual" => "Mutual",
            _ => "other",
        };
        Arc::clone(
            w.entry(key)
                .or_insert_with(|| Arc::new(WorkPool::new(name, self.limits))),
        )
    }
}

impl Default for Pools {
    fn default() -> Self {
        Self::new(PoolLimits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_is_refused_at_once_and_other_pools_are_unaffected() {
        let pools = Pools::new(PoolLimits::new(1).with_max_queue(2));
        let basic = pools.for_scheme("Basic");
        let (tx, rx) = mpsc::channel::<()>();
        let rx = Arc::new(Mutex::new(rx));
        // One running job that blocks until released, two waiting.
        let mut held = Vec::new();
        for _ in 0..3 {
            let b = Arc::clone(&basic);
            let rx = Arc::clone(&rx);
            held.push(tokio::spawn(async move {
                b.run(move || {
                    let _ = rx.lock().unwrap().recv();
                })
                .await
            }));
        }
        while basic.waiting() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let refused = basic.run(|| ()).await;
        assert!(matches!(
            refused,
            Err(PoolError::Busy { pool: "Basic", .. })
        ));
        // Mutual has its own pool.
        assert_eq!(pools.for_scheme("mutual").run(|| 7).await, Ok(7));
        for _ in 0..3 {
            tx.send(()).unwrap();
        }
        for h in held {
            assert_eq!(h.await.unwrap(), Ok(()));
        }
    }

    #[cfg(target_os = "linux")]
    fn own_nice() -> i64 {
        current_nice().unwrap()
    }

    /// Issue 19: pool jobs run below the priority of the executor's threads, which serve
    /// established sessions; with `with_background(false)`, at the same priority.
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pool_threads_run_at_background_priority() {
        let executor = own_nice();
        let pool = WorkPool::new("Mutual", PoolLimits::new(2));
        for _ in 0..4 {
            let job = pool.run(own_nice).await.unwrap();
            assert_eq!(job, executor.max(10), "executor at nice {executor}");
        }
        let normal = WorkPool::new("Basic", PoolLimits::new(1).with_background(false));
        assert_eq!(normal.run(own_nice).await.unwrap(), executor);
        // The runtime's own blocking threads are left alone.
        let blocking = tokio::task::spawn_blocking(own_nice).await.unwrap();
        assert_eq!(blocking, executor);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_job_is_cancelled_and_the_pool_goes_on() {
        let pool = WorkPool::new("Basic", PoolLimits::new(1));
        let r = pool.run(|| -> u8 { panic!("job panicked") }).await;
        assert_eq!(r, Err(PoolError::Cancelled));
        assert_eq!(pool.run(|| 7).await, Ok(7), "the one thread still serves");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_wait_is_refused() {
        let pool = Arc::new(WorkPool::new(
            "Basic",
            PoolLimits::new(1).with_max_wait(Duration::from_millis(50)),
        ));
        let p = Arc::clone(&pool);
        let long = tokio::spawn(async move {
            p.run(|| std::thread::sleep(Duration::from_millis(400)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(pool.run(|| ()).await, Err(PoolError::Busy { .. })));
        assert_eq!(long.await.unwrap(), Ok(()));
    }
}
