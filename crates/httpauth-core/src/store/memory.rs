//! The default in-memory [`SessionStore`].

use super::{CasOutcome, CountCheck, CountWindow, EvictionClass, SessionStore, StoreEntry};
use crate::{Clock, Error, SecretBytes, SystemClock};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Bytes charged per entry on top of key and value, for the memory budget.
const ENTRY_OVERHEAD: usize = 128;

/// Limits of a [`MemoryStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryStoreConfig {
    /// The most entries held at once.
    pub max_entries: usize,
    /// The most bytes (keys, values and a fixed per-entry overhead) held at once.
    pub max_bytes: usize,
}

impl Default for MemoryStoreConfig {
    /// 100,000 entries and 64 MiB.
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            max_bytes: 64 << 20,
        }
    }
}

impl MemoryStoreConfig {
    /// Limits of `max_entries` entries and `max_bytes` bytes.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            max_entries,
            max_bytes,
        }
    }
}

enum Data {
    Value(SecretBytes),
    Window(CountWindow),
}

struct Entry {
    data: Data,
    version: u64,
    expires: SystemTime,
    class: EvictionClass,
    /// Key into `Inner::order`.
    seq: u64,
    cost: usize,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// Entries ordered for eviction: class (established first), then expiry, then age.
    order: BTreeSet<(EvictionClass, SystemTime, u64, String)>,
    /// Entries ordered by expiry alone, to purge expired ones first.
    expiry: BTreeSet<(SystemTime, u64, String)>,
    bytes: usize,
    next_seq: u64,
    next_version: u64,
}

/// A bounded in-memory [`SessionStore`].
///
/// Bounded by entry count and by a memory budget. When full it first drops expired
/// entries, then [`EvictionClass::Established`] entries nearest to expiry, and only then
/// [`EvictionClass::Pending`] ones, in the same order. Expired entries are also dropped
/// lazily when read. Every operation is O(log n) under one mutex.
pub struct MemoryStore {
    inner: Mutex<Inner>,
    config: MemoryStoreConfig,
    clock: Arc<dyn Clock>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(MemoryStoreConfig::default())
    }
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// A store with these limits and the system clock.
    pub fn new(config: MemoryStoreConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A store with these limits reading time from `clock`.
    pub fn with_clock(config: MemoryStoreConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            config,
            clock,
        }
    }

    /// Number of entries held (including expired ones not yet dropped).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when no entries are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated in a way that
        // breaks memory safety; keep serving rather than propagate the poison.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn unlink(&mut self, key: &str) -> Option<Entry> {
        let e = self.map.remove(key)?;
        self.order
            .remove(&(e.class, e.expires, e.seq, key.to_owned()));
        self.expiry.remove(&(e.expires, e.seq, key.to_owned()));
        self.bytes -= e.cost;
        Some(e)
    }

    fn link(&mut self, key: String, mut e: Entry) {
        e.seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert((e.class, e.expires, e.seq, key.clone()));
        self.expiry.insert((e.expires, e.seq, key.clone()));
        self.bytes += e.cost;
        self.map.insert(key, e);
    }

    /// Makes room for and links a new entry; returns its version.
    fn put(
        &mut self,
        key: &str,
        data: Data,
        expires: SystemTime,
        class: EvictionClass,
        config: &MemoryStoreConfig,
        now: SystemTime,
    ) -> Result<u64, Error> {
        let size = match &data {
            Data::Value(v) => v.len(),
            Data::Window(w) => w.bits().len() * 8,
        };
        let cost = cost(key, size);
        self.make_room(cost, config, now)?;
        let version = self.version();
        let e = Entry {
            data,
            version,
            expires,
            class,
            seq: 0,
            cost,
        };
        self.link(key.to_owned(), e);
        Ok(version)
    }

    fn version(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }

    /// Drops `key` if it has expired; returns whether a live entry remains.
    fn live(&mut self, key: &str, now: SystemTime) -> bool {
        match self.map.get(key) {
            Some(e) if e.expires <= now => {
                self.unlink(key);
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Makes room for one entry of `cost` bytes.
    fn make_room(
        &mut self,
        cost: usize,
        config: &MemoryStoreConfig,
        now: SystemTime,
    ) -> Result<(), Error> {
        let full =
            |s: &Self| s.map.len() + 1 > config.max_entries || s.bytes + cost > config.max_bytes;
        while full(self) {
            let victim = match self.expiry.first() {
                Some((t, _, k)) if *t <= now => k.clone(),
                _ => match self.order.first() {
                    Some((_, _, _, k)) => k.clone(),
                    None => return Err(Error::StoreFull),
                },
            };
            self.unlink(&victim);
        }
        Ok(())
    }
}

fn cost(key: &str, value_len: usize) -> usize {
    key.len() + value_len + ENTRY_OVERHEAD
}

fn expires(now: SystemTime, ttl: Duration) -> SystemTime {
    now.checked_add(ttl)
        .unwrap_or(now + Duration::from_secs(u32::MAX.into()))
}

impl SessionStore for MemoryStore {
    fn insert(
        &self,
        key: &str,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<Option<u64>, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        if g.live(key, now) {
            return Ok(None);
        }
        let version = g.put(
            key,
            Data::Value(value),
            expires(now, ttl),
            class,
            &self.config,
            now,
        )?;
        Ok(Some(version))
    }

    fn get(&self, key: &str) -> Result<Option<StoreEntry>, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        if !g.live(key, now) {
            return Ok(None);
        }
        Ok(g.map.get(key).and_then(|e| match &e.data {
            Data::Value(v) => Some(StoreEntry {
                value: v.duplicate(),
                version: e.version,
            }),
            Data::Window(_) => None,
        }))
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: u64,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<CasOutcome, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        if !g.live(key, now) {
            return Ok(CasOutcome::Missing);
        }
        match g.map.get(key) {
            Some(e) if e.version == expected && matches!(e.data, Data::Value(_)) => {}
            Some(_) => return Ok(CasOutcome::Conflict),
            None => return Ok(CasOutcome::Missing),
        }
        let Some(old) = g.unlink(key) else {
            return Ok(CasOutcome::Missing);
        };
        match g.put(
            key,
            Data::Value(value),
            expires(now, ttl),
            class,
            &self.config,
            now,
        ) {
            Ok(version) => Ok(CasOutcome::Swapped { version }),
            Err(e) => {
                // Nothing could be evicted to make room: keep the old value.
                g.link(key.to_owned(), old);
                Err(e)
            }
        }
    }

    fn remove(&self, key: &str) -> Result<bool, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        let live = g.live(key, now);
        Ok(g.unlink(key).is_some() && live)
    }

    fn check_count(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<CountCheck, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        if let Some(result) = existing_count(&mut g, key, count, window, ttl, now)? {
            return Ok(result);
        }
        let until = expires(now, ttl);
        let w = CountWindow::new(count, window);
        g.put(
            key,
            Data::Window(w),
            until,
            EvictionClass::Established,
            &self.config,
            now,
        )?;
        Ok(CountCheck::Fresh)
    }

    fn check_count_existing(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<Option<CountCheck>, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        existing_count(&mut g, key, count, window, ttl, now)
    }
}

/// Tests and records `count` in the live window under `key`, extending its expiry;
/// `None` if there is no live window.
fn existing_count(
    g: &mut Inner,
    key: &str,
    count: u64,
    window: u32,
    ttl: Duration,
    now: SystemTime,
) -> Result<Option<CountCheck>, Error> {
    if !g.live(key, now) {
        return Ok(None);
    }
    let Some(mut e) = g.unlink(key) else {
        return Err(Error::StoreCorrupt);
    };
    let result = match &mut e.data {
        Data::Window(w) => w.check(count, window),
        Data::Value(_) => {
            g.link(key.to_owned(), e);
            return Err(Error::StoreCorrupt);
        }
    };
    e.expires = e.expires.max(expires(now, ttl));
    g.link(key.to_owned(), e);
    Ok(Some(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn store(max_entries: usize) -> (MemoryStore, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::default());
        let s =
            MemoryStore::with_clock(MemoryStoreConfig::new(max_entries, 1 << 20), clock.clone());
        (s, clock)
    }

    const T: Duration = Duration::from_secs(60);

    #[test]
    fn store_contract() {
        let clock = Arc::new(ManualClock::default());
        let s = MemoryStore::with_clock(MemoryStoreConfig::default(), clock.clone());
        crate::store::contract::run_all(&s, &*clock, "contract:");
    }

    #[test]
    fn evicts_established_before_pending() {
        let (s, _) = store(3);
        s.insert(
            "p1",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        s.insert(
            "e1",
            SecretBytes::from_slice(b"1"),
            T * 10,
            EvictionClass::Established,
        )
        .unwrap();
        s.insert(
            "p2",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        s.insert(
            "p3",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        assert!(
            s.get("e1").unwrap().is_none(),
            "established entry evicted first"
        );
        assert!(s.get("p1").unwrap().is_some());
        s.insert(
            "p4",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        assert!(
            s.get("p1").unwrap().is_none(),
            "then the pending entry nearest expiry"
        );
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn expired_entries_are_evicted_before_live_ones() {
        let (s, clock) = store(2);
        s.insert(
            "old",
            SecretBytes::from_slice(b"1"),
            Duration::from_secs(1),
            EvictionClass::Pending,
        )
        .unwrap();
        s.insert(
            "e",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Established,
        )
        .unwrap();
        clock.advance(Duration::from_secs(2));
        s.insert(
            "new",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        assert!(
            s.get("e").unwrap().is_some(),
            "the expired pending entry went first"
        );
    }

    #[test]
    fn memory_budget_is_enforced() {
        let s = MemoryStore::with_clock(
            MemoryStoreConfig::new(1000, 3 * (ENTRY_OVERHEAD + 101)),
            Arc::new(ManualClock::default()),
        );
        for i in 0..10 {
            s.insert(
                &format!("k{i}"),
                SecretBytes::new(vec![0; 99]),
                T,
                EvictionClass::Established,
            )
            .unwrap();
        }
        assert_eq!(s.len(), 3);
        let big = SecretBytes::new(vec![0; 10_000]);
        assert_eq!(
            s.insert("big", big, T, EvictionClass::Pending),
            Err(Error::StoreFull)
        );
    }

    #[test]
    fn failed_swap_keeps_the_old_value() {
        let s = MemoryStore::with_clock(
            MemoryStoreConfig::new(10, 2 * ENTRY_OVERHEAD),
            Arc::new(ManualClock::default()),
        );
        let v = s
            .insert(
                "k",
                SecretBytes::from_slice(b"old"),
                T,
                EvictionClass::Pending,
            )
            .unwrap();
        let big = SecretBytes::new(vec![0; 4 * ENTRY_OVERHEAD]);
        assert_eq!(
            s.compare_and_swap("k", v.unwrap(), big, T, EvictionClass::Pending),
            Err(Error::StoreFull)
        );
        assert_eq!(s.get("k").unwrap().unwrap().value.expose_secret(), b"old");
    }

    #[test]
    fn windows_are_not_values() {
        let (s, _) = store(10);
        assert_eq!(s.check_count("n", 1, 128, T).unwrap(), CountCheck::Fresh);
        assert!(s.get("n").unwrap().is_none());
        s.insert(
            "v",
            SecretBytes::from_slice(b"1"),
            T,
            EvictionClass::Pending,
        )
        .unwrap();
        assert_eq!(s.check_count("v", 1, 128, T), Err(Error::StoreCorrupt));
    }
}
