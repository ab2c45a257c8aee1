//! The set of fingerprints seen: open addressing with linear probing over atomic words, so every
//! checker thread inserts without a lock.
//!
//! The table is split into segments by the fingerprint's top bits, all of one size. It grows by
//! doubling while no thread inserts (the search holds it behind a `RwLock` and grows between
//! blocks of work), one segment at a time, so growing needs only one segment's worth of memory
//! beyond the table itself, not a second table.
//!
//! A slot is one word for 64-bit fingerprints and two for 128-bit ones (`hi`, then `lo`): there is
//! no stable 128-bit atomic, and a lock per slot would cost more than the slot. An insert claims
//! the slot by swapping `hi` in from 0 and then writes `lo`; a thread that meets the claimed `hi`
//! before `lo` is written waits for it, which takes the claiming thread a few instructions.

use super::packed::{fingerprint, Fingerprint, FingerprintBits};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Segments: enough that doubling one is a small fraction of the whole table.
const SEGMENT_BITS: u32 = 8;
/// Slots of one segment at the start (so an empty set takes 256 × 1024 × 16 B = 4 MiB at 128
/// bits). Segments fill unevenly; at 1024 slots, a full segment while the table is four fifths
/// full is seven standard deviations out.
const INITIAL_SLOT_BITS: u32 = 10;
/// Spins on an unwritten `lo` before yielding: its writer may have been descheduled between its
/// two stores, and on two cores spinning would then keep it off the CPU.
const SPINS_BEFORE_YIELD: u32 = 64;

pub struct FingerprintSet {
    segments: Vec<Segment>,
    /// log2 of each segment's slot count.
    slot_bits: u32,
    bits: FingerprintBits,
    len: AtomicUsize,
}

struct Segment {
    /// Slot `i` is `words[i * slot_words..][..slot_words]`.
    words: Box<[AtomicU64]>,
}

/// What one slot says of a fingerprint being inserted.
enum Probe {
    Inserted,
    Present,
    /// The slot holds another fingerprint: try the next.
    Taken,
}

impl FingerprintSet {
    pub fn new(bits: FingerprintBits) -> FingerprintSet {
        let slot_words = slot_words(bits);
        FingerprintSet {
            segments: (0..1 << SEGMENT_BITS)
                .map(|_| Segment::empty(INITIAL_SLOT_BITS, slot_words))
                .collect(),
            slot_bits: INITIAL_SLOT_BITS,
            bits,
            len: AtomicUsize::new(0),
        }
    }

    /// The fingerprint this set keeps of a state packed as `words`.
    pub fn fingerprint(&self, words: &[u64]) -> Fingerprint {
        fingerprint(words, self.bits)
    }

    /// Fingerprints held (as counted by [`FingerprintSet::record_inserted`]).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.segments.len() << self.slot_bits
    }

    /// Bytes the table holds: what the memory guard and `--max-memory` count for it.
    pub fn bytes(&self) -> usize {
        self.capacity() * slot_words(self.bits) * std::mem::size_of::<u64>()
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
    pub fn prefetch(&self, fingerprint: Fingerprint) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let slot = self.home(fingerprint) * slot_words(self.bits);
            let word = self.segment(fingerprint).words[slot].as_ptr();
            // SAFETY: SSE is part of every x86_64 target, and a prefetch is a hint: it neither
            // reads nor writes the program's memory and never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(word.cast::<i8>().cast_const()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = fingerprint;
    }

    /// Inserts `fingerprint` (made by [`FingerprintSet::fingerprint`]); `true` when it was not
    /// there before.
    pub fn insert(&self, fingerprint: Fingerprint) -> bool {
        debug_assert_ne!(fingerprint.hi, 0, "0 marks an empty slot");
        debug_assert_eq!(fingerprint.lo == 0, self.bits == FingerprintBits::Bits64);
        let segment = self.segment(fingerprint);
        let slot_words = slot_words(self.bits);
        let mask = (1usize << self.slot_bits) - 1;
        let mut slot = self.home(fingerprint);
        for _probe in 0..=mask {
            match probe(
                &segment.words[slot * slot_words..][..slot_words],
                fingerprint,
            ) {
                Probe::Inserted => return true,
                Probe::Present => return false,
                Probe::Taken => slot = (slot + 1) & mask,
            }
        }
        panic!("a fingerprint segment is full: the set was not grown in time");
    }

    /// Doubles every segment, one at a time on each of `threads` threads (rehashing a table of
    /// hundreds of millions of fingerprints takes seconds, and the other threads wait for it).
    pub fn grow(&mut self, threads: usize) {
        let slot_bits = self.slot_bits + 1;
        let slot_words = slot_words(self.bits);
        let per_thread = self.segments.len().div_ceil(threads.max(1));
        std::thread::scope(|scope| {
            for segments in self.segments.chunks_mut(per_thread) {
                scope.spawn(move || {
                    for segment in segments {
                        *segment = segment.doubled(slot_bits, slot_words);
                    }
                });
            }
        });
        self.slot_bits = slot_bits;
    }

    fn segment(&self, fingerprint: Fingerprint) -> &Segment {
        &self.segments[(fingerprint.hi >> (64 - SEGMENT_BITS)) as usize]
    }

    /// The slot a fingerprint tries first: the bits below the segment's, so that slots within a
    /// segment are in fingerprint order and growing writes each segment almost sequentially.
    fn home(&self, fingerprint: Fingerprint) -> usize {
        home(fingerprint, self.slot_bits)
    }
}

fn home(fingerprint: Fingerprint, slot_bits: u32) -> usize {
    ((fingerprint.hi << SEGMENT_BITS) >> (64 - slot_bits)) as usize
}

fn slot_words(bits: FingerprintBits) -> usize {
    match bits {
        FingerprintBits::Bits64 => 1,
        FingerprintBits::Bits128 => 2,
    }
}

impl Segment {
    fn empty(slot_bits: u32, slot_words: usize) -> Segment {
        Segment {
            words: (0..slot_words << slot_bits)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// The same fingerprints in a segment of `2^slot_bits` slots.
    fn doubled(&mut self, slot_bits: u32, slot_words: usize) -> Segment {
        let mut grown = Segment::empty(slot_bits, slot_words);
        for slot in self.words.chunks_exact_mut(slot_words) {
            let hi = *slot[0].get_mut();
            if hi != 0 {
                let lo = slot.get_mut(1).map_or(0, |lo| *lo.get_mut());
                grown.insert_exclusive(Fingerprint { hi, lo }, slot_bits, slot_words);
            }
        }
        grown
    }

    /// Inserts a fingerprint known to be absent, with the segment not shared.
    fn insert_exclusive(&mut self, fingerprint: Fingerprint, slot_bits: u32, slot_words: usize) {
        let mask = (1usize << slot_bits) - 1;
        let mut slot = home(fingerprint, slot_bits);
        while *self.words[slot * slot_words].get_mut() != 0 {
            slot = (slot + 1) & mask;
        }
        let slot = &mut self.words[slot * slot_words..][..slot_words];
        *slot[0].get_mut() = fingerprint.hi;
        if let Some(lo) = slot.get_mut(1) {
            *lo.get_mut() = fingerprint.lo;
        }
    }
}

/// Claims `slot` for `fingerprint` if it is empty, or says whether it holds it.
///
/// `hi` is claimed from 0 before `lo` is written, so each fingerprint is claimed once: every
/// thread inserting it meets the same slots in the same order, and a slot once claimed stays.
fn probe(slot: &[AtomicU64], fingerprint: Fingerprint) -> Probe {
    let mut held = slot[0].load(Ordering::Relaxed);
    if held == 0 {
        match slot[0].compare_exchange(0, fingerprint.hi, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => {
                if let Some(lo) = slot.get(1) {
                    lo.store(fingerprint.lo, Ordering::Release);
                }
                return Probe::Inserted;
            }
            Err(raced) => held = raced,
        }
    }
    let same = held == fingerprint.hi && slot.get(1).is_none_or(|lo| written(lo) == fingerprint.lo);
    if same {
        Probe::Present
    } else {
        Probe::Taken
    }
}

/// The `lo` of a claimed slot, once its claimer has written it.
fn written(lo: &AtomicU64) -> u64 {
    let mut spins = 0;
    loop {
        let value = lo.load(Ordering::Acquire);
        if value != 0 {
            return value;
        }
        if spins < SPINS_BEFORE_YIELD {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDTHS: [FingerprintBits; 2] = [FingerprintBits::Bits64, FingerprintBits::Bits128];

    fn spread(set: &FingerprintSet, i: u64) -> Fingerprint {
        set.fingerprint(&[i])
    }

    #[test]
    fn remembers_every_fingerprint_across_growth() {
        for bits in WIDTHS {
            let mut set = FingerprintSet::new(bits);
            let count = 200_000u64;
            for i in 0..count {
                if set.should_grow() {
                    set.grow(2);
                }
                assert!(set.insert(spread(&set, i)), "{i} reported as seen");
                set.record_inserted(1);
            }
            assert_eq!(set.len(), 200_000);
            assert!(set.capacity() >= 200_000 * 4 / 3);
            for i in 0..count {
                assert!(!set.insert(spread(&set, i)), "{i} forgotten at {bits}");
            }
            assert!(set.insert(spread(&set, count)));
        }
    }

    #[test]
    fn fingerprints_sharing_a_home_slot_all_stay() {
        // Same segment and same home slot, different low bits of `hi`, or (128 bits) the same
        // `hi` and different `lo`s: the collisions 64 bits cannot tell apart.
        let base = 0x1234_5678_0000_0000u64;
        let narrow = |low| Fingerprint {
            hi: base | low,
            lo: 0,
        };
        let wide = |low| Fingerprint { hi: base, lo: low };
        for (bits, make) in [
            (WIDTHS[0], &narrow as &dyn Fn(u64) -> Fingerprint),
            (WIDTHS[1], &wide),
        ] {
            let set = FingerprintSet::new(bits);
            for low in 1..=50 {
                assert!(set.insert(make(low)));
            }
            for low in 1..=50 {
                assert!(!set.insert(make(low)));
            }
        }
    }

    #[test]
    fn a_slot_takes_eight_bytes_at_64_bits_and_sixteen_at_128() {
        let narrow = FingerprintSet::new(FingerprintBits::Bits64);
        let wide = FingerprintSet::new(FingerprintBits::Bits128);
        assert_eq!(narrow.bytes(), narrow.capacity() * 8);
        assert_eq!(wide.bytes(), wide.capacity() * 16);
    }

    #[test]
    fn threads_racing_on_one_hi_each_fingerprint_is_new_once() {
        // Four threads insert the same 800 fingerprints, all in one segment and most sharing
        // a `hi` with another: each must be new to exactly one thread, however the claims of
        // `hi` and the writes of `lo` interleave.
        let set = FingerprintSet::new(FingerprintBits::Bits128);
        let fingerprints: Vec<Fingerprint> = (1..=800u64)
            .map(|i| Fingerprint {
                hi: 0x4200_0000_0000_0000 | (i / 4),
                lo: i,
            })
            .collect();
        let new: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| fingerprints.iter().filter(|&&f| set.insert(f)).count()))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        });
        assert_eq!(new, fingerprints.len());
    }
}
