//! The synchronization facade. Every lock, atomic and shared pointer of the crate comes from here,
//! so the same code runs on `std` in production, under loom's exhaustive scheduler with
//! `RUSTFLAGS="--cfg loom"`, and under shuttle's randomized schedulers with `--features shuttle`.
//!
//! Poisoning is handled at each call site on purpose (see `CacheNode`): a panicking thread is a
//! fault the cache must survive without serving a value older than the witness allows, so no
//! `lock().unwrap()` hides it.

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[cfg(all(not(loom), feature = "shuttle"))]
pub(crate) use shuttle::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[cfg(all(not(loom), not(feature = "shuttle")))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(all(not(loom), feature = "shuttle"))]
pub(crate) use shuttle::thread::yield_now;
#[cfg(all(not(loom), not(feature = "shuttle")))]
pub(crate) use std::thread::yield_now;

/// The background replicator thread exists only on `std`: loom and shuttle tests drive
/// replication with explicit steps so that delivery order is part of the explored schedule.
#[cfg(all(not(loom), not(feature = "shuttle")))]
pub(crate) use std::sync::Condvar;

/// Forgets that a lock was poisoned, once the caller has repaired what it guards. loom has no
/// `clear_poison`, and a panic inside `loom::model` fails the whole model anyway, so there is
/// nothing to clear there.
pub(crate) fn clear_poison<T>(lock: &RwLock<T>) {
    #[cfg(not(loom))]
    lock.clear_poison();
    #[cfg(loom)]
    let _ = lock;
}

/// Locks a mutex whose data stays valid across a panic: each critical section that mutates it
/// performs one self-contained map or queue operation, so a poisoned guard still protects a
/// consistent value.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`lock`] for the read side of a `RwLock` whose data stays valid across a panic.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`lock`] for the write side of a `RwLock` whose data stays valid across a panic.
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The replay pause points: no-ops unless the `replay` feature is on and the thread is driven.
pub(crate) use crate::pause::{driven, pause, Point};

/// How many lanes a structure split by thread has (node shards' reader copies, the replication
/// queue): one per core, so that threads running at the same time usually get different lanes;
/// more would only make whoever visits every lane slower. A power of two, so that picking a lane
/// is a mask, not a division (the read hit counts its instructions). Under loom and shuttle two,
/// so that their threads do use different lanes.
pub(crate) fn lanes() -> usize {
    #[cfg(all(not(loom), not(feature = "shuttle")))]
    {
        std::thread::available_parallelism().map_or(1, |n| n.get().next_power_of_two().min(8))
    }
    #[cfg(any(loom, feature = "shuttle"))]
    {
        2
    }
}

/// A small number fixed for the calling thread, handed out in order of first use, so that
/// threads running at the same time get different lanes (`node.rs`, `replication.rs`). std hands them out
/// from a process-wide counter; loom and shuttle run every thread of an execution on one OS
/// thread, so there the number comes from the scheduler's own thread id, which is the same in
/// every execution (each thread keeps its lane across replays of a schedule).
#[cfg(all(not(loom), not(feature = "shuttle")))]
#[inline]
pub(crate) fn thread_lane() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    // A const initializer and a sentinel: the read hit pays one thread-local load and a compare,
    // not the lazy-initialization state machine of a non-const `thread_local!`.
    thread_local!(static LANE: Cell<usize> = const { Cell::new(usize::MAX) });
    LANE.with(|lane| match lane.get() {
        usize::MAX => {
            let new = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) & (usize::MAX >> 1);
            lane.set(new);
            new
        }
        known => known,
    })
}

#[cfg(all(not(loom), feature = "shuttle"))]
pub(crate) fn thread_lane() -> usize {
    usize::from(shuttle::thread::current().id())
}

#[cfg(loom)]
pub(crate) fn thread_lane() -> usize {
    // loom's `ThreadId` exposes its index only through `Debug` ("ThreadId(3)").
    let id = format!("{:?}", loom::thread::current().id());
    id.bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |n, d| n * 10 + usize::from(d - b'0'))
}

#[cfg(all(test, not(loom), not(feature = "shuttle")))]
mod tests {
    use super::*;

    /// Threads that start using the cache one after the other read through different lanes (on a
    /// machine with more than one core), so that their read locks are different words. Other
    /// tests start threads meanwhile and take numbers in between, so 32 threads are asked and
    /// only "not all in one lane" is asserted.
    #[test]
    fn threads_get_lanes_of_their_own() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 {
            eprintln!("SKIPPED: one core, so one lane ({cores} available)");
            return;
        }
        assert!(lanes() >= 2, "{} lanes for {cores} cores", lanes());
        let used: std::collections::BTreeSet<usize> = (0..32)
            .map(|_| std::thread::spawn(thread_lane).join().expect("thread") % lanes())
            .collect();
        assert!(used.len() > 1, "32 threads all in lane {used:?}");
    }
}

/// Under loom and shuttle every thread of an execution runs on one OS thread, so the lane comes
/// from the scheduler's thread id; their harnesses see two lanes only if two of their threads get
/// different ones. One body for both schedulers: `explore` is loom's exhaustive model or a few of
/// shuttle's random schedules.
#[cfg(all(test, any(loom, feature = "shuttle")))]
mod scheduler_tests {
    #[cfg(loom)]
    use loom::{model as explore, thread};
    #[cfg(all(not(loom), feature = "shuttle"))]
    use shuttle::thread;

    #[cfg(all(not(loom), feature = "shuttle"))]
    fn explore(f: impl Fn() + Send + Sync + 'static) {
        shuttle::check_random(f, 10);
    }

    #[test]
    fn scheduled_threads_get_lanes_of_their_own() {
        explore(|| {
            let first = thread::spawn(super::thread_lane);
            let second = thread::spawn(super::thread_lane);
            let first = first.join().expect("thread") % super::lanes();
            let second = second.join().expect("thread") % super::lanes();
            assert_ne!(first, second);
        });
    }
}
