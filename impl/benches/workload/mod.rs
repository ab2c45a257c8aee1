//! The benchmark workload, written once: the criterion benches (`benches/index_cache.rs`) and the
//! scaling example (`examples/scaling.rs`, which includes this file by path) must measure the same
//! keys, the same bare-map floor and the same read-heavy key sequence, or their figures would not
//! compare.

use index_cache::{Entry, Location};
use std::collections::HashMap;

pub const KEYS: usize = 1000;

pub fn keys() -> Vec<String> {
    (0..KEYS)
        .map(|i| format!("bucket/photos/{i:06}.jpg"))
        .collect()
}

/// What the cache holds after the benches' fill, as a bare `HashMap`: the floor a read hit is
/// compared with.
pub fn bare_map(keys: &[String]) -> HashMap<String, Entry> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            (
                k.clone(),
                Entry {
                    seq: 1,
                    location: Some(Location(i as u64)),
                },
            )
        })
        .collect()
}

/// The read-heavy mix's sequence for thread `t`: xorshift; `op(key index, is a write, x)` `n`
/// times, 5 in 100 operations writes.
pub fn ops(t: u64, n: u64, mut op: impl FnMut(usize, bool, u64)) {
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ t;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        op((x % KEYS as u64) as usize, x % 100 < 5, x);
    }
}
