//! Time source, replaceable in tests.

use std::time::SystemTime;

/// A source of wall-clock time. Stores and nonce minting read time through this so tests
/// can move it; several server instances sharing a store must have synchronised clocks.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
