//! Group commit: the writers that arrive while a commit is being fsynced wait, and the next commit
//! takes all of them in one transaction, so concurrent writers share an fsync instead of queueing
//! for one each. Every writer still returns only once its own change is durable (or with the
//! error of the transaction that carried it). Changes are applied in the order they arrived; two
//! writes of one key never share a batch in the wrong order because the caller holds the key's
//! write lock until its write returns.

use std::collections::HashMap;
use std::io;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

#[derive(Debug)]
pub struct Group<C> {
    state: Mutex<State<C>>,
    done: Condvar,
}

#[derive(Debug)]
struct State<C> {
    /// Changes waiting for the next commit; `queue[i]` has ticket `first + i`.
    queue: Vec<C>,
    first: u64,
    /// Whether a writer is committing a batch now (with the lock released).
    committing: bool,
    /// Outcomes of committed tickets whose writers have not picked them up yet.
    outcomes: HashMap<u64, Result<(), String>>,
}

impl<C> Default for Group<C> {
    fn default() -> Self {
        Group {
            state: Mutex::new(State {
                queue: Vec::new(),
                first: 0,
                committing: false,
                outcomes: HashMap::new(),
            }),
            done: Condvar::new(),
        }
    }
}

impl<C> Group<C> {
    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // The state changes in whole steps under the lock; a commit runs outside it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `change` and returns once a commit made it durable: `commit` is called by whichever
    /// waiting writer finds no commit running, with every change queued by then.
    pub fn submit(&self, change: C, commit: impl Fn(&[C]) -> io::Result<()>) -> io::Result<()> {
        let mut state = self.lock();
        let ticket = state.first + state.queue.len() as u64;
        state.queue.push(change);
        loop {
            if let Some(outcome) = state.outcomes.remove(&ticket) {
                return outcome.map_err(io::Error::other);
            }
            if state.committing {
                state = self
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.committing = true;
            let batch = std::mem::take(&mut state.queue);
            let first = state.first;
            state.first += batch.len() as u64;
            drop(state);
            // A panicking commit must not leave the others waiting for a commit that never ends.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commit(&batch)))
                .unwrap_or_else(|_| Err(io::Error::other("the commit panicked")))
                .map_err(|e| e.to_string());
            state = self.lock();
            for t in first..first + batch.len() as u64 {
                state.outcomes.insert(t, outcome.clone());
            }
            state.committing = false;
            self.done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn concurrent_writers_share_commits_and_each_sees_its_own_batchs_outcome() {
        let group = Group::default();
        let committed = Mutex::new(Vec::new());
        let commits = AtomicUsize::new(0);
        let results: Vec<_> = std::thread::scope(|s| {
            let writers: Vec<_> = (0..16u32)
                .map(|i| {
                    let (group, committed, commits) = (&group, &committed, &commits);
                    s.spawn(move || {
                        group.submit(i, |batch: &[u32]| {
                            commits.fetch_add(1, Ordering::SeqCst);
                            // Slow, like an fsync, so that others queue meanwhile.
                            std::thread::sleep(Duration::from_millis(20));
                            if batch.contains(&13) {
                                return Err(io::Error::other("disk full"));
                            }
                            committed.lock().expect("vec").extend_from_slice(batch);
                            Ok(())
                        })
                    })
                })
                .collect();
            writers
                .into_iter()
                .map(|w| w.join().expect("writer"))
                .collect()
        });
        let committed = committed.into_inner().expect("vec");
        for (i, result) in results.iter().enumerate() {
            let i = i as u32;
            assert_eq!(
                result.is_ok(),
                committed.contains(&i),
                "writer {i}: {result:?}"
            );
        }
        assert!(results[13].is_err());
        let commits = commits.load(Ordering::SeqCst);
        assert!(
            commits < 16,
            "{commits} commits for 16 writers: nothing was grouped"
        );
    }
}
