//! Bounded pools for expensive authentication work ([`Cost::Cpu`](httpauth_core::Cost)).
//!
//! Each scheme gets its own [`WorkPool`]: a flood of wrong Basic passwords (bcrypt) queues
//! behind the Basic pool and cannot delay a Mutual key exchange, and neither can delay an
//! established session, whose cheap checks never enter a pool. A pool runs at most
//! `concurrency` jobs at once on the blocking threads and lets at most `max_queue` more
//! wait; beyond that, or after waiting `max_wait`, a request is answered 503 with
//! `Retry-After` instead of growing a queue without bound.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
}

impl PoolLimits {
    /// `concurrency` jobs at once, 64 waiting per running job, 2 s wait, `Retry-After: 1`.
    pub fn new(concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            concurrency,
            max_queue: concurrency.saturating_mul(64),
            max_wait: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
        }
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

/// A bounded pool of blocking threads for one kind of expensive work.
#[derive(Debug)]
pub struct WorkPool {
    name: &'static str,
    limits: PoolLimits,
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl WorkPool {
    /// A pool called `name` (for logs and errors).
    pub fn new(name: &'static str, limits: PoolLimits) -> Self {
        Self {
            name,
            limits,
            running: Arc::new(Semaphore::new(limits.concurrency)),
            waiting: AtomicUsize::new(0),
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

    /// Runs `job` on a blocking thread once a place is free.
    ///
    /// # Errors
    /// [`PoolError::Busy`] when the queue is full or the wait too long;
    /// [`PoolError::Cancelled`] when the job panicked.
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
        tokio::task::spawn_blocking(move || {
            let r = job();
            drop(permit);
            r
        })
        .await
        .map_err(|_| PoolError::Cancelled)
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
        let rx = Arc::new(std::sync::Mutex::new(rx));
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
