//! The default in-memory [`SessionStore`].

use super::{
    CasOutcome, CountCheck, CountWindow, EvictionClass, GenerationCheck, SessionStore, StoreEntry,
};
use crate::{Clock, Error, SecretBytes, SystemClock};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Bytes charged per entry on top of key and value ([`MemoryStore::ENTRY_OVERHEAD`]).
const ENTRY_OVERHEAD: usize = 320;

/// Limits of a [`MemoryStore`].
///
/// Values (sessions, key exchanges) and count windows are held in two separate pools,
/// each with its own limits, so that no amount of one kind (a flood of unauthenticated
/// Mutual key exchanges) can evict the other (the nonce-count windows that stop Digest
/// replays). The store holds at most the sum of both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryStoreConfig {
    /// The most values held at once.
    pub max_entries: usize,
    /// The most bytes of values held at once: keys, values and
    /// [`MemoryStore::ENTRY_OVERHEAD`] per entry.
    pub max_bytes: usize,
    /// The most count windows held at once.
    pub max_windows: usize,
    /// The most bytes of count windows: keys, bitmaps and [`MemoryStore::ENTRY_OVERHEAD`]
    /// per window.
    pub max_window_bytes: usize,
    /// The most [`EvictionClass::Pending`] values (Mutual key exchanges in progress) held
    /// at once, within `max_entries`. A new one beyond it replaces the pending value
    /// nearest to expiry, so that a flood of req-KEX-C1 that are never verified churns
    /// among its own records and leaves the rest of the pool to established sessions:
    /// RFC 8120 section 17.3 ("servers MAY have a number and a time limit for
    /// unverified, pending key exchange requests"). Half of `max_entries` by default.
    pub max_pending: usize,
}

impl Default for MemoryStoreConfig {
    /// 100,000 values in 64 MiB (at most 50,000 of them pending), and 100,000 count
    /// windows in 32 MiB.
    fn default() -> Self {
        Self::new(100_000, 64 << 20).windows(100_000, 32 << 20)
    }
}

impl MemoryStoreConfig {
    /// Limits of `max_entries` entries and `max_bytes` bytes, for the values and, apart
    /// from them, for the count windows; at most half the values (at least one) pending.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            max_entries,
            max_bytes,
            max_windows: max_entries,
            max_window_bytes: max_bytes,
            max_pending: (max_entries / 2).max(1),
        }
    }

    /// Sets the most pending values held at once (see [`max_pending`](Self::max_pending);
    /// `max_entries` or more means no limit of their own).
    pub fn pending(mut self, max_pending: usize) -> Self {
        self.max_pending = max_pending.max(1);
        self
    }

    /// Sets the limits of the count-window pool.
    pub fn windows(mut self, max_windows: usize, max_window_bytes: usize) -> Self {
        self.max_windows = max_windows;
        self.max_window_bytes = max_window_bytes;
        self
    }

    fn limits(&self, pool: Pool) -> (usize, usize) {
        match pool {
            Pool::Values => (self.max_entries, self.max_bytes),
            Pool::Windows => (self.max_windows, self.max_window_bytes),
        }
    }
}

enum Data {
    Value(SecretBytes),
    Window(CountWindow),
}

/// The two pools of a [`MemoryStore`], each bounded on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pool {
    Values,
    Windows,
}

impl Pool {
    fn index(self) -> usize {
        match self {
            Pool::Values => 0,
            Pool::Windows => 1,
        }
    }
}

impl Data {
    fn pool(&self) -> Pool {
        match self {
            Data::Value(_) => Pool::Values,
            Data::Window(_) => Pool::Windows,
        }
    }
}

impl Data {
    /// The octets of the value or bitmap, for the memory budget.
    fn size(&self) -> usize {
        match self {
            Data::Value(v) => v.len(),
            Data::Window(w) => w.bits().len() * 8,
        }
    }
}

struct Entry {
    data: Data,
    /// Unique among all entries ever linked: also the tie-breaker of the eviction order.
    version: u64,
    expires: SystemTime,
    class: EvictionClass,
}

/// Which eviction queue an entry is in: established values, pending values, or windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Established,
    Pending,
    Windows,
}

impl Queue {
    fn of(e: &Entry) -> Self {
        match (e.data.pool(), e.class) {
            (Pool::Windows, _) => Queue::Windows,
            (Pool::Values, EvictionClass::Established) => Queue::Established,
            (Pool::Values, EvictionClass::Pending) => Queue::Pending,
        }
    }

    fn index(self) -> usize {
        match self {
            Queue::Established => 0,
            Queue::Pending => 1,
            Queue::Windows => 2,
        }
    }
}

/// An eviction queue: entries by expiry, then by version (age).
type Order = BTreeSet<(SystemTime, u64, Arc<str>)>;

struct Inner {
    /// Each key is allocated once and shared (by reference count) with its place in
    /// `queues`: an entry costs one key allocation, one map slot and one queue slot.
    map: HashMap<Arc<str>, Entry>,
    /// The eviction queues, by [`Queue::index`]. Each entry is in exactly one; the
    /// entry nearest to expiry of the whole store is the first of one of them.
    queues: [Order; 3],
    /// Entries and bytes per pool.
    entries: [usize; 2],
    bytes: [usize; 2],
    next_version: u64,
    /// The window generation: changes whenever a live window is evicted.
    generation: u64,
}

/// A bounded in-memory [`SessionStore`].
///
/// Values and count windows are bounded separately (see [`MemoryStoreConfig`]), by
/// entry count and by a memory budget. When the values are full it first drops expired
/// entries, then [`EvictionClass::Established`] values nearest to expiry, and only then
/// [`EvictionClass::Pending`] ones, in the same order; pending values are also limited
/// to [`MemoryStoreConfig::max_pending`] of their own, the one nearest to expiry giving
/// way to a new one, so that a flood of key exchanges cannot push out every established
/// session. When the windows are full it drops expired entries, then the window nearest
/// to expiry, and moves to a new
/// [window generation](SessionStore::window_generation), so that no count of the lost
/// window can be accepted again. The first generation is random, so a restarted
/// process does not continue the generation of its predecessor. Expired entries are also
/// dropped lazily when read. Every operation is O(log n) under one mutex.
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

/// A non-zero generation that differs between processes: the standard library seeds
/// `RandomState` from the operating system's generator.
fn random_generation() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x6765_6e65_7261_7469);
    h.finish().max(1)
}

fn next_generation(g: u64) -> u64 {
    g.wrapping_add(1).max(1)
}

impl MemoryStore {
    /// Bytes charged per entry on top of its key and value (or bitmap) in the memory budget
    /// of [`MemoryStoreConfig`]: the entry's hash-table slot, its place in an eviction
    /// queue, the shared key's header, and what the allocator adds to each of these blocks.
    /// It is the worst case measured, just after the hash table doubles, when half its
    /// slots are empty (`cargo bench -p httpauth-benches --bench session_memory`, which
    /// fails when an entry ever costs more), so that `max_bytes` bounds the memory the
    /// store really holds.
    pub const ENTRY_OVERHEAD: usize = ENTRY_OVERHEAD;

    /// A store with these limits and the system clock.
    pub fn new(config: MemoryStoreConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A store with these limits reading time from `clock`.
    pub fn with_clock(config: MemoryStoreConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                queues: Default::default(),
                entries: [0; 2],
                bytes: [0; 2],
                next_version: 0,
                generation: random_generation(),
            }),
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
    /// Removes `key`; returns its shared key and entry.
    fn unlink(&mut self, key: &str) -> Option<(Arc<str>, Entry)> {
        let (k, e) = self.map.remove_entry(key)?;
        self.queues[Queue::of(&e).index()].remove(&(e.expires, e.version, Arc::clone(&k)));
        let i = e.data.pool().index();
        self.entries[i] -= 1;
        self.bytes[i] -= cost(&k, e.data.size());
        Some((k, e))
    }

    fn link(&mut self, key: Arc<str>, e: Entry) {
        self.queues[Queue::of(&e).index()].insert((e.expires, e.version, Arc::clone(&key)));
        let i = e.data.pool().index();
        self.entries[i] += 1;
        self.bytes[i] += cost(&key, e.data.size());
        self.map.insert(key, e);
    }

    /// The entry nearest to expiry, if it has expired by `now`.
    fn first_expired(&self, now: SystemTime) -> Option<Arc<str>> {
        self.queues
            .iter()
            .filter_map(|q| q.first())
            .min()
            .filter(|(t, _, _)| *t <= now)
            .map(|(_, _, k)| Arc::clone(k))
    }

    /// Makes room for and links a new entry under `key` (allocated by the caller, or the
    /// shared key of an entry just unlinked); returns its version.
    fn put(
        &mut self,
        key: Arc<str>,
        data: Data,
        expires: SystemTime,
        class: EvictionClass,
        config: &MemoryStoreConfig,
        now: SystemTime,
    ) -> Result<u64, Error> {
        if data.pool() == Pool::Values && class == EvictionClass::Pending {
            // RFC 8120 section 17.3: a number limit for pending key exchanges.
            while self.queues[Queue::Pending.index()].len() >= config.max_pending {
                let Some(victim) = self.queues[Queue::Pending.index()]
                    .first()
                    .map(|(_, _, k)| Arc::clone(k))
                else {
                    break;
                };
                self.unlink(&victim);
            }
        }
        self.make_room(data.pool(), cost(&key, data.size()), config, now)?;
        let version = self.version();
        let e = Entry {
            data,
            version,
            expires,
            class,
        };
        self.link(key, e);
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

    /// Makes room in `pool` for one entry of `cost` bytes. Only entries of `pool` are
    /// evicted alive; expired entries of either pool go first.
    fn make_room(
        &mut self,
        pool: Pool,
        cost: usize,
        config: &MemoryStoreConfig,
        now: SystemTime,
    ) -> Result<(), Error> {
        let (max_entries, max_bytes) = config.limits(pool);
        let i = pool.index();
        if cost > max_bytes || max_entries == 0 {
            return Err(Error::StoreFull);
        }
        while self.entries[i] + 1 > max_entries || self.bytes[i] + cost > max_bytes {
            if let Some(k) = self.first_expired(now) {
                self.unlink(&k);
                continue;
            }
            // Established values before pending ones (see `EvictionClass`).
            let queues: &[Queue] = match pool {
                Pool::Values => &[Queue::Established, Queue::Pending],
                Pool::Windows => &[Queue::Windows],
            };
            let victim = queues
                .iter()
                .find_map(|q| self.queues[q.index()].first())
                .map(|(_, _, k)| Arc::clone(k));
            let Some(victim) = victim else {
                return Err(Error::StoreFull);
            };
            self.unlink(&victim);
            if pool == Pool::Windows {
                // A live window is lost: counts of its key could be accepted again if it
                // were re-created, so every key of the old generation is now stale.
                self.generation = next_generation(self.generation);
            }
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
            Arc::from(key),
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
        let Some((shared, old)) = g.unlink(key) else {
            return Ok(CasOutcome::Missing);
        };
        match g.put(
            Arc::clone(&shared),
            Data::Value(value),
            expires(now, ttl),
            class,
            &self.config,
            now,
        ) {
            Ok(version) => Ok(CasOutcome::Swapped { version }),
            Err(e) => {
                // Nothing could be evicted to make room: keep the old value.
                g.link(shared, old);
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
            Arc::from(key),
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

    fn window_generation(&self) -> Result<u64, Error> {
        Ok(self.lock().generation)
    }

    fn check_count_in_generation(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
        generation: u64,
    ) -> Result<GenerationCheck, Error> {
        let now = self.clock.now();
        let mut g = self.lock();
        if let Some(result) = existing_count(&mut g, key, count, window, ttl, now)? {
            return Ok(GenerationCheck::Checked(result));
        }
        if generation != g.generation {
            return Ok(GenerationCheck::Lost {
                current: g.generation,
            });
        }
        let w = CountWindow::new(count, window);
        g.put(
            Arc::from(key),
            Data::Window(w),
            expires(now, ttl),
            EvictionClass::Established,
            &self.config,
            now,
        )?;
        // Making room may have evicted a live window and moved to a new generation; the
        // new window is then of that generation, which is sound: it was made after the
        // loss.
        Ok(GenerationCheck::Checked(CountCheck::Fresh))
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
    let Some((shared, mut e)) = g.unlink(key) else {
        return Err(Error::StoreCorrupt);
    };
    let result = match &mut e.data {
        Data::Window(w) => w.check(count, window),
        Data::Value(_) => {
            g.link(shared, e);
            return Err(Error::StoreCorrupt);
        }
    };
    e.expires = e.expires.max(expires(now, ttl));
    g.link(shared, e);
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
        // No limit of the pending values' own here (see the next test).
        let s = MemoryStore::with_clock(
            MemoryStoreConfig::new(3, 1 << 20).pending(3),
            Arc::new(ManualClock::default()),
        );
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
    fn a_flood_of_pending_values_leaves_established_ones_their_share() {
        let (s, clock) = store(10);
        assert_eq!(MemoryStoreConfig::new(10, 1 << 20).max_pending, 5);
        for i in 0..10 {
            s.insert(
                &format!("e{i}"),
                SecretBytes::from_slice(b"1"),
                T * 10,
                EvictionClass::Established,
            )
            .unwrap();
        }
        for i in 0..1000 {
            clock.advance(Duration::from_millis(1));
            s.insert(
                &format!("p{i}"),
                SecretBytes::from_slice(b"1"),
                T,
                EvictionClass::Pending,
            )
            .unwrap();
        }
        assert_eq!(s.len(), 10);
        let alive = |prefix: &str, range: std::ops::Range<usize>| {
            range
                .filter(|i| s.get(&format!("{prefix}{i}")).unwrap().is_some())
                .count()
        };
        assert_eq!(
            alive("e", 0..10),
            5,
            "established values keep the half pending ones cannot take"
        );
        assert_eq!(
            alive("e", 5..10),
            5,
            "the ones nearest to expiry (here the oldest) went"
        );
        assert_eq!(
            alive("p", 995..1000),
            5,
            "the newest key exchanges are held"
        );
        // An established value still takes the place of the oldest established one.
        s.insert(
            "late",
            SecretBytes::from_slice(b"1"),
            T * 20,
            EvictionClass::Established,
        )
        .unwrap();
        assert!(s.get("late").unwrap().is_some());
        assert_eq!(alive("p", 995..1000), 5);
        // The limit is a number of values, so with room in the pool a pending value
        // beyond it still replaces the oldest pending one.
        let (s, _) = store(10);
        for i in 0..6 {
            s.insert(
                &format!("q{i}"),
                SecretBytes::from_slice(b"1"),
                T,
                EvictionClass::Pending,
            )
            .unwrap();
        }
        assert_eq!(s.len(), 5);
        assert!(s.get("q0").unwrap().is_none());
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

    #[test]
    fn pending_flood_does_not_evict_windows() {
        let (s, _) = store(4);
        let g = s.window_generation().unwrap();
        assert_eq!(
            s.check_count_in_generation("w", 1, 128, T, g).unwrap(),
            GenerationCheck::Checked(CountCheck::Fresh)
        );
        for i in 0..100 {
            s.insert(
                &format!("p{i}"),
                SecretBytes::from_slice(b"1"),
                T,
                EvictionClass::Pending,
            )
            .unwrap();
        }
        assert_eq!(
            s.check_count_in_generation("w", 1, 128, T, g).unwrap(),
            GenerationCheck::Checked(CountCheck::Replayed)
        );
        assert_eq!(s.window_generation().unwrap(), g, "no window was lost");
    }

    #[test]
    fn evicting_a_live_window_moves_to_a_new_generation() {
        let clock = Arc::new(ManualClock::default());
        let s = MemoryStore::with_clock(
            MemoryStoreConfig::new(100, 1 << 20).windows(2, 1 << 20),
            clock,
        );
        let g = s.window_generation().unwrap();
        for k in ["a", "b", "c"] {
            assert_eq!(
                s.check_count_in_generation(k, 1, 128, T, g).unwrap(),
                GenerationCheck::Checked(CountCheck::Fresh),
                "{k}"
            );
        }
        let g2 = s.window_generation().unwrap();
        assert_ne!(g2, g, "window a was evicted alive");
        assert_eq!(
            s.check_count_in_generation("a", 1, 128, T, g).unwrap(),
            GenerationCheck::Lost { current: g2 },
            "the captured nc of a is not fresh again"
        );
        assert_eq!(
            s.check_count_in_generation("d", 1, 128, T, g).unwrap(),
            GenerationCheck::Lost { current: g2 },
            "nor any unused key of the old generation"
        );
        assert_eq!(
            s.check_count_in_generation("d", 1, 128, T, g2).unwrap(),
            GenerationCheck::Checked(CountCheck::Fresh)
        );
        assert_ne!(
            MemoryStore::default().window_generation().unwrap(),
            g,
            "a new store (a restarted process) starts in another generation"
        );
    }
}
