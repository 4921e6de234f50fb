//! Session and nonce state: the trait and the default in-memory store.
//!
//! Mutual sessions (RFC 8120 section 11) and Digest nonce-count windows (RFC 7616 section
//! 3.4) live behind [`SessionStore`], so that a shared store (Redis) can replace the
//! in-memory [`MemoryStore`] and several servers act as one.

#[cfg(any(test, feature = "contract-tests"))]
pub mod contract;
mod memory;

pub use memory::{MemoryStore, MemoryStoreConfig};

use crate::{Error, SecretBytes};
use std::time::Duration;

/// The largest nonce-count window a store must support, in counts.
pub const MAX_COUNT_WINDOW: u32 = 4096;

/// Which entries a full store gives up first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EvictionClass {
    /// Evicted first: authenticated sessions and nonce-count windows, which a client can
    /// re-establish (Mutual 401-STALE, Digest `stale=true`).
    Established,
    /// Evicted only when no established entry is left: key exchanges in progress
    /// (RFC 8120 section 11, state "key exchanging"). A store may also bound their
    /// number on its own (RFC 8120 section 17.3; `MemoryStoreConfig::max_pending`), the
    /// oldest giving way to a new one.
    Pending,
}

/// A value read from a store, with the version to pass to
/// [`SessionStore::compare_and_swap`].
#[derive(Debug)]
pub struct StoreEntry {
    /// The stored bytes (may hold session secrets).
    pub value: SecretBytes,
    /// Opaque version; changes on every write.
    pub version: u64,
}

/// The result of [`SessionStore::compare_and_swap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CasOutcome {
    /// Written; the entry now has this version.
    Swapped {
        /// The new version.
        version: u64,
    },
    /// The entry exists with another version; nothing written.
    Conflict,
    /// No such entry (never inserted, removed, expired or evicted); nothing written.
    Missing,
}

/// The result of [`SessionStore::check_count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CountCheck {
    /// First use of this count; it is now recorded.
    Fresh,
    /// This count was used before.
    Replayed,
    /// The count is older than the window keeps track of.
    OutOfWindow,
}

/// The result of [`SessionStore::check_count_in_generation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenerationCheck {
    /// A live window exists (or was created, the key being of the current generation):
    /// the verdict on the count.
    Checked(CountCheck),
    /// No live window, and the key belongs to an older generation: the store may have
    /// held a window under it and lost it (evicted, restarted, flushed). The caller must
    /// treat the key as stale, never as fresh, and continue in `current`.
    Lost {
        /// The store's current generation.
        current: u64,
    },
}

/// A bounded key-value store with TTLs, compare-and-swap and an atomic count window.
///
/// Every operation is atomic with respect to the others on the same key, also across
/// processes for shared stores. Keys are namespaced by their users (`digest:nc:<nonce>`,
/// `mutual:sid:<sid>`). Values are secret bytes: shared stores must encrypt them.
///
/// # Errors
/// Every method returns [`Error::StoreUnavailable`] when the store cannot answer in
/// bounded time, [`Error::StoreFull`] when nothing can be evicted, and
/// [`Error::StoreCorrupt`] for unreadable records. Callers fail closed.
pub trait SessionStore: Send + Sync {
    /// Inserts `value` under `key` if the key is absent. Returns the new version, or `None`
    /// if the key exists (nothing written).
    fn insert(
        &self,
        key: &str,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<Option<u64>, Error>;

    /// Reads `key`.
    fn get(&self, key: &str) -> Result<Option<StoreEntry>, Error>;

    /// Replaces the value of `key` if its version is `expected`, setting a new TTL and class.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: u64,
        value: SecretBytes,
        ttl: Duration,
        class: EvictionClass,
    ) -> Result<CasOutcome, Error>;

    /// Removes `key`; true if it was present.
    fn remove(&self, key: &str) -> Result<bool, Error>;

    /// Atomically tests and records `count` in the sliding window kept under `key`
    /// (a bitmap of the `window` counts up to the highest seen).
    ///
    /// Counts may arrive out of order (parallel requests): any count not older than
    /// `highest - window + 1` is accepted once. The first call creates the window with
    /// `ttl`; later calls extend its expiry to at least `now + ttl`. `window` is clamped
    /// to `1..=MAX_COUNT_WINDOW`.
    fn check_count(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<CountCheck, Error>;

    /// As [`check_count`](Self::check_count), but never creates a window: `Ok(None)` when
    /// no live window exists under `key` (never made, expired or evicted).
    ///
    /// For counters whose window must outlive the state it protects: a Mutual session
    /// whose window was evicted must not accept old `nc` values again (RFC 8120 section
    /// 11), so it uses this after the first request and treats `None` as "inactive".
    fn check_count_existing(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
    ) -> Result<Option<CountCheck>, Error>;

    /// The store's current window generation: a non-zero value that changes whenever the
    /// store may have lost a live count window (it started empty, evicted a live window,
    /// lost its data). Cheap: a remote store answers from a cache after the first call.
    ///
    /// A caller that hands out keys before their windows exist (a Digest nonce, RFC 7616
    /// section 3.3) binds each key to the generation of its issue and checks counts with
    /// [`check_count_in_generation`](Self::check_count_in_generation).
    fn window_generation(&self) -> Result<u64, Error>;

    /// As [`check_count`](Self::check_count) for a key issued in `generation`: a missing
    /// window is created only if `generation` is the store's current one; otherwise the
    /// window may have existed and been lost, and the answer is
    /// [`GenerationCheck::Lost`] (never "fresh": a lost window must not let old counts be
    /// replayed).
    fn check_count_in_generation(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: Duration,
        generation: u64,
    ) -> Result<GenerationCheck, Error>;

    /// True when every call is a round trip to another process (Redis): a server then
    /// runs the callers where blocking is allowed. The default: an in-process store.
    fn is_remote(&self) -> bool {
        false
    }
}

/// A sliding window of counts, shared by every store implementation so they agree
/// exactly. Bit `i` of `bits` records `highest - i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountWindow {
    highest: u64,
    bits: Vec<u64>,
}

impl CountWindow {
    /// A window that has seen only `first`, able to track `window` counts.
    pub fn new(first: u64, window: u32) -> Self {
        let words = Self::words(window);
        let mut bits = vec![0u64; words];
        bits[0] = 1;
        Self {
            highest: first,
            bits,
        }
    }

    fn words(window: u32) -> usize {
        (window.clamp(1, MAX_COUNT_WINDOW) as usize).div_ceil(64)
    }

    /// Restores a window from its parts (for stores that serialise it).
    ///
    /// # Errors
    /// [`Error::StoreCorrupt`] for an empty or oversized bitmap.
    pub fn from_parts(highest: u64, bits: Vec<u64>) -> Result<Self, Error> {
        if bits.is_empty() || bits.len() > Self::words(MAX_COUNT_WINDOW) {
            return Err(Error::StoreCorrupt);
        }
        Ok(Self { highest, bits })
    }

    /// The highest count seen.
    pub fn highest(&self) -> u64 {
        self.highest
    }

    /// The bitmap words.
    pub fn bits(&self) -> &[u64] {
        &self.bits
    }

    /// Tests and records `count`. `window` is the caller's window size in counts; the
    /// effective window is `min(window, capacity of the bitmap)`.
    pub fn check(&mut self, count: u64, window: u32) -> CountCheck {
        let capacity = (self.bits.len() * 64) as u64;
        let window = u64::from(window.clamp(1, MAX_COUNT_WINDOW)).min(capacity);
        if count > self.highest {
            let shift = count - self.highest;
            self.shift(shift);
            self.highest = count;
            self.bits[0] |= 1;
            return CountCheck::Fresh;
        }
        let age = self.highest - count;
        if age >= window {
            return CountCheck::OutOfWindow;
        }
        let (word, bit) = ((age / 64) as usize, age % 64);
        if self.bits[word] & (1 << bit) != 0 {
            CountCheck::Replayed
        } else {
            self.bits[word] |= 1 << bit;
            CountCheck::Fresh
        }
    }

    /// Moves every recorded count `n` places older.
    fn shift(&mut self, n: u64) {
        let len = self.bits.len();
        if n >= (len * 64) as u64 {
            self.bits.iter_mut().for_each(|w| *w = 0);
            return;
        }
        let (words, bits) = ((n / 64) as usize, (n % 64) as u32);
        for i in (0..len).rev() {
            let src = i.checked_sub(words);
            let hi = src.map_or(0, |s| self.bits[s] << bits);
            let lo = match src.and_then(|s| s.checked_sub(1)) {
                Some(s) if bits > 0 => self.bits[s] >> (64 - bits),
                _ => 0,
            };
            self.bits[i] = hi | lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_accepts_out_of_order_once() {
        let mut w = CountWindow::new(1, 128);
        assert_eq!(w.check(3, 128), CountCheck::Fresh);
        assert_eq!(w.check(2, 128), CountCheck::Fresh);
        assert_eq!(w.check(2, 128), CountCheck::Replayed);
        assert_eq!(w.check(1, 128), CountCheck::Replayed);
        assert_eq!(w.check(3, 128), CountCheck::Replayed);
        assert_eq!(w.check(200, 128), CountCheck::Fresh);
        assert_eq!(w.check(73, 128), CountCheck::Fresh);
        assert_eq!(w.check(72, 128), CountCheck::OutOfWindow);
        assert_eq!(w.check(73, 128), CountCheck::Replayed);
        assert_eq!(w.check(199, 128), CountCheck::Fresh);
        assert_eq!(w.check(u64::MAX, 128), CountCheck::Fresh);
        assert_eq!(w.check(200, 128), CountCheck::OutOfWindow);
    }

    #[test]
    fn shift_across_words_matches_naive_model() {
        // Differential check against a set-based model.
        let mut w = CountWindow::new(10, 200);
        let mut seen = std::collections::BTreeSet::from([10u64]);
        let mut highest = 10u64;
        let mut x = 12345u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let delta = (x >> 33) % 300;
            let count = if x & 1 == 0 {
                highest + delta / 4
            } else {
                highest.saturating_sub(delta)
            };
            let expected = if count > highest {
                CountCheck::Fresh
            } else if highest - count >= 200 {
                CountCheck::OutOfWindow
            } else if seen.contains(&count) {
                CountCheck::Replayed
            } else {
                CountCheck::Fresh
            };
            assert_eq!(
                w.check(count, 200),
                expected,
                "count {count} highest {highest}"
            );
            if expected == CountCheck::Fresh {
                seen.insert(count);
                highest = highest.max(count);
            }
        }
    }
}
