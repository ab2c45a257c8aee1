//! The set of fingerprints seen: open addressing with linear probing over atomic words, so every
//! checker thread inserts without a lock.
//!
//! The table is split into segments by the fingerprint's top bits, all of one size. It grows by
//! doubling while no thread inserts (the search holds it behind a `RwLock` and grows between
//! blocks of work), one segment at a time, so growing needs only one segment's worth of memory
//! beyond the table itself, not a second table.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Segments: enough that doubling one is a small fraction of the whole table.
const SEGMENT_BITS: u32 = 8;
/// Slots of one segment at the start (so an empty set takes 256 × 1024 × 8 B = 2 MiB). Segments
/// fill unevenly; at 1024 slots, a full segment while the table is four fifths full is seven
/// standard deviations out.
const INITIAL_SLOT_BITS: u32 = 10;

pub struct FingerprintSet {
    segments: Vec<Segment>,
    /// log2 of each segment's slot count.
    slot_bits: u32,
    len: AtomicUsize,
}

struct Segment {
    slots: Box<[AtomicU64]>,
}

impl FingerprintSet {
    pub fn new() -> FingerprintSet {
        FingerprintSet {
            segments: (0..1 << SEGMENT_BITS)
                .map(|_| Segment::empty(INITIAL_SLOT_BITS))
                .collect(),
            slot_bits: INITIAL_SLOT_BITS,
            len: AtomicUsize::new(0),
        }
    }

    /// Fingerprints held (as counted by [`FingerprintSet::record_inserted`]).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.segments.len() << self.slot_bits
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        self.capacity() * std::mem::size_of::<u64>()
    }

    /// Adds what the threads' [`FingerprintSet::insert`] calls returned `true` for: the count is
    /// kept per thread and folded in once per block, so inserting writes no shared counter.
    pub fn record_inserted(&self, count: usize) {
        self.len.fetch_add(count, Ordering::Relaxed);
    }

    /// The set should grow: linear probing slows sharply above three quarters full.
    pub fn should_grow(&self) -> bool {
        self.len() * 4 > self.capacity() * 3
    }

    /// Inserts that still fit before the set is four fifths full. The search shares them out
    /// between its threads, so that no segment fills up whatever the threads insert.
    pub fn headroom(&self) -> usize {
        (self.capacity() / 5 * 4).saturating_sub(self.len())
    }

    /// Starts loading the line `fingerprint`'s probe begins at, so that an insert a few
    /// successors later finds it in cache: at hundreds of millions of states almost every probe
    /// misses the cache, and those misses were most of the search's time.
    pub fn prefetch(&self, fingerprint: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let segment = &self.segments[(fingerprint >> (64 - SEGMENT_BITS)) as usize];
            let slot = segment.slots[self.home(fingerprint)].as_ptr();
            // SAFETY: SSE is part of every x86_64 target, and a prefetch is a hint: it neither
            // reads nor writes the program's memory and never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(slot.cast::<i8>().cast_const()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = fingerprint;
    }

    /// Inserts `fingerprint` (never 0); `true` when it was not there before.
    pub fn insert(&self, fingerprint: u64) -> bool {
        debug_assert_ne!(fingerprint, 0, "0 marks an empty slot");
        let segment = &self.segments[(fingerprint >> (64 - SEGMENT_BITS)) as usize];
        let mask = (1usize << self.slot_bits) - 1;
        let mut slot = self.home(fingerprint);
        for _probe in 0..=mask {
            let held = segment.slots[slot].load(Ordering::Relaxed);
            if held == fingerprint {
                return false;
            }
            if held == 0 {
                match segment.slots[slot].compare_exchange(
                    0,
                    fingerprint,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return true,
                    Err(raced) if raced == fingerprint => return false,
                    // Another thread took this slot for another fingerprint: probe on.
                    Err(_) => {}
                }
            }
            slot = (slot + 1) & mask;
        }
        panic!("a fingerprint segment is full: the set was not grown in time");
    }

    /// Doubles every segment, one at a time on each of `threads` threads (rehashing a table of
    /// hundreds of millions of fingerprints takes seconds, and the other threads wait for it).
    pub fn grow(&mut self, threads: usize) {
        let slot_bits = self.slot_bits + 1;
        let per_thread = self.segments.len().div_ceil(threads.max(1));
        std::thread::scope(|scope| {
            for segments in self.segments.chunks_mut(per_thread) {
                scope.spawn(move || {
                    for segment in segments {
                        *segment = segment.doubled(slot_bits);
                    }
                });
            }
        });
        self.slot_bits = slot_bits;
    }

    /// The slot a fingerprint tries first: the bits below the segment's, so that slots within a
    /// segment are in fingerprint order and growing writes each segment almost sequentially.
    fn home(&self, fingerprint: u64) -> usize {
        home(fingerprint, self.slot_bits)
    }
}

fn home(fingerprint: u64, slot_bits: u32) -> usize {
    ((fingerprint << SEGMENT_BITS) >> (64 - slot_bits)) as usize
}

impl Segment {
    fn empty(slot_bits: u32) -> Segment {
        Segment {
            slots: (0..1usize << slot_bits)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// The same fingerprints in a segment of `2^slot_bits` slots.
    fn doubled(&mut self, slot_bits: u32) -> Segment {
        let mut grown = Segment::empty(slot_bits);
        for slot in self.slots.iter_mut() {
            let fingerprint = *slot.get_mut();
            if fingerprint != 0 {
                grown.insert_exclusive(fingerprint, slot_bits);
            }
        }
        grown
    }

    /// Inserts a fingerprint known to be absent, with the segment not shared.
    fn insert_exclusive(&mut self, fingerprint: u64, slot_bits: u32) {
        let mask = (1usize << slot_bits) - 1;
        let mut slot = home(fingerprint, slot_bits);
        while *self.slots[slot].get_mut() != 0 {
            slot = (slot + 1) & mask;
        }
        *self.slots[slot].get_mut() = fingerprint;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(i: u64) -> u64 {
        crate::search::fingerprint(&[i])
    }

    #[test]
    fn remembers_every_fingerprint_across_growth() {
        let mut set = FingerprintSet::new();
        let count = 200_000u64;
        for i in 0..count {
            if set.should_grow() {
                set.grow(2);
            }
            assert!(set.insert(spread(i)), "{i} reported as seen");
            set.record_inserted(1);
        }
        assert_eq!(set.len(), 200_000);
        assert!(set.capacity() >= 200_000 * 4 / 3);
        for i in 0..count {
            assert!(!set.insert(spread(i)), "{i} forgotten");
        }
        assert!(set.insert(spread(count)));
    }

    #[test]
    fn fingerprints_sharing_a_home_slot_all_stay() {
        let set = FingerprintSet::new();
        // Same segment and same home slot, different low bits.
        let base = 0x1234_5678_0000_0000u64;
        for low in 1..=50 {
            assert!(set.insert(base | low));
        }
        for low in 1..=50 {
            assert!(!set.insert(base | low));
        }
    }
}
