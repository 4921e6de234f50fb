//! The Lua scripts that make the read-decide-write operations atomic.
//!
//! Why Lua and not WATCH/MULTI: a script runs atomically on the server in one round trip,
//! whatever the number of clients, and touches exactly one key (so it works unchanged in
//! Redis Cluster, where the key decides the node). WATCH is per-connection state, which a
//! multiplexed connection shared by every request of a process cannot hold safely, and
//! under contention it turns into client-side retry loops of three round trips each.
//! Scripts are sent with EVALSHA and fall back to EVAL on `NOSCRIPT` (after a Redis
//! restart or `SCRIPT FLUSH`), so a restarted Redis needs no action.

use redis::Script;
use std::sync::LazyLock;

/// Compare-and-swap of a sealed session record.
///
/// `KEYS[1]` the record; `ARGV[1]` the expected version (8 bytes, the record's first 8);
/// `ARGV[2]` the new record; `ARGV[3]` its TTL in milliseconds.
/// Returns 0 missing, 1 conflict, 2 swapped.
pub(crate) static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if string.sub(cur, 1, 8) ~= ARGV[1] then return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 2
",
    )
});

/// Result codes of [`COUNT_WINDOW`].
pub(crate) const WINDOW_FRESH: i64 = 0;
pub(crate) const WINDOW_REPLAYED: i64 = 1;
pub(crate) const WINDOW_OUT: i64 = 2;
pub(crate) const WINDOW_ABSENT: i64 = 3;
pub(crate) const WINDOW_CORRUPT: i64 = -1;

/// Test-and-set of a count in a sliding window (RFC 7616 section 3.4 `nc`, RFC 8120
/// section 7 `nc` with `nc-window`), with exactly the semantics of
/// `httpauth_core::store::CountWindow`.
///
/// The window is one string: the highest count seen as two big-endian 32-bit halves
/// (Lua numbers are doubles and cannot hold a u64), then a ring of `capacity` bits
/// (a power of two, 64..=4096) where count `c` lives at bit `c mod capacity` (which is
/// `lo mod capacity`, as the capacity divides 2^32). Advancing the highest count clears
/// the ring positions of the counts skipped over, so every bit always refers to one of the
/// last `capacity` counts.
///
/// `KEYS[1]` the window; `ARGV` = count high half, count low half, window, capacity for a
/// new window, TTL in ms, `1` to create a missing window (`0`: report it absent).
/// Returns [`WINDOW_FRESH`], [`WINDOW_REPLAYED`], [`WINDOW_OUT`], [`WINDOW_ABSENT`] or
/// [`WINDOW_CORRUPT`]. Every call on a live window extends its expiry to at least the TTL.
pub(crate) static COUNT_WINDOW: LazyLock<Script> = LazyLock::new(|| Script::new(WINDOW_BODY));

/// The body of [`COUNT_WINDOW`], also the inner function of [`COUNT_WINDOW_GENERATION`].
const WINDOW_BODY: &str = r"
local key = KEYS[1]
local chi = tonumber(ARGV[1])
local clo = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local len = redis.call('STRLEN', key)
if len == 0 then
  if ARGV[6] ~= '1' then return 3 end
  redis.call('SET', key, struct.pack('>I4I4', chi, clo) .. string.rep('\0', cap / 8), 'PX', ttl)
  redis.call('SETBIT', key, 64 + clo % cap, 1)
  return 0
end
local kcap = (len - 8) * 8
local p = 64
while p < kcap do p = p * 2 end
if kcap < 64 or kcap > 4096 or p ~= kcap then return -1 end
local hhi, hlo = struct.unpack('>I4I4', redis.call('GETRANGE', key, 0, 7))
if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
if window > kcap then window = kcap end
if chi > hhi or (chi == hhi and clo > hlo) then
  local d = kcap
  if chi == hhi then d = clo - hlo elseif chi == hhi + 1 then d = clo + 4294967296 - hlo end
  if d > kcap then d = kcap end
  local function clear(from, n)
    local i = from
    local stop = from + n
    while i < stop and i % 8 ~= 0 do redis.call('SETBIT', key, 64 + i, 0); i = i + 1 end
    local bytes = math.floor((stop - i) / 8)
    if bytes > 0 then
      redis.call('SETRANGE', key, 8 + i / 8, string.rep('\0', bytes))
      i = i + bytes * 8
    end
    while i < stop do redis.call('SETBIT', key, 64 + i, 0); i = i + 1 end
  end
  local start = (hlo + 1) % kcap
  local first = math.min(d, kcap - start)
  clear(start, first)
  if d > first then clear(0, d - first) end
  redis.call('SETRANGE', key, 0, struct.pack('>I4I4', chi, clo))
  redis.call('SETBIT', key, 64 + clo % kcap, 1)
  return 0
end
local age = window
if chi == hhi then age = hlo - clo elseif hhi == chi + 1 then age = hlo + 4294967296 - clo end
if age >= window then return 2 end
local bit = 64 + clo % kcap
if redis.call('GETBIT', key, bit) == 1 then return 1 end
redis.call('SETBIT', key, bit, 1)
return 0
";

/// Result code of [`COUNT_WINDOW_GENERATION`]: no window, and the key is of an older
/// generation (the window may have been lost).
pub(crate) const WINDOW_LOST: i64 = 4;

/// [`COUNT_WINDOW`] for a key issued in a window generation (Digest nonces; see
/// `SessionStore::check_count_in_generation`).
///
/// `KEYS[1]` the window, `KEYS[2]` the generation record (same hash slot: both carry the
/// hash tag `{w}`); `ARGV[1..6]` as [`COUNT_WINDOW`] (`ARGV[6]` = `1`), `ARGV[7]` the
/// key's generation (16 hex digits), `ARGV[8]` a fresh random generation, stored when the
/// generation record is absent (first use, or Redis lost its data: every older key is
/// then stale). Returns `{code, current generation}`, code [`WINDOW_LOST`] when the window
/// is absent and the generations differ.
pub(crate) static COUNT_WINDOW_GENERATION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"
local g = redis.call('GET', KEYS[2])
if not g then
  g = ARGV[8]
  redis.call('SET', KEYS[2], g)
end
if redis.call('EXISTS', KEYS[1]) == 0 and g ~= ARGV[7] then return {{4, g}} end
local function body()
{WINDOW_BODY}
end
return {{body(), g}}
"
    ))
});

/// Reads the generation record `KEYS[1]`, storing `ARGV[1]` (a fresh random generation)
/// when it is absent. Returns the current generation.
pub(crate) static GENERATION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local g = redis.call('GET', KEYS[1])
if not g then
  g = ARGV[1]
  redis.call('SET', KEYS[1], g)
end
return g
",
    )
});
