//! A poisoned lock (a thread panicked while updating what it guards) is treated as an eviction of
//! everything it guards: the caller's `clear` empties it before it serves again, so a
//! half-finished update can never be served. In strong mode that is only belt and braces (the
//! witness would catch a stale entry); in eventual mode it keeps a node from serving what the
//! panicking thread left behind.

use crate::sync::{self, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Reads a lock, clearing what it guards first if a panic poisoned it.
pub(crate) fn read_clearing<T>(lock: &RwLock<T>, clear: fn(&mut T)) -> RwLockReadGuard<'_, T> {
    match lock.read() {
        Ok(guard) => guard,
        Err(poisoned) => {
            drop(poisoned);
            // Taking the write lock also waits for readers that got in before the poison.
            drop(write_clearing(lock, clear));
            // Cleared now; even if another panic poisoned it again meanwhile, an empty-or-newer
            // state is safe to serve.
            sync::read(lock)
        }
    }
}

/// Writes a lock, clearing what it guards first if a panic poisoned it.
pub(crate) fn write_clearing<T>(lock: &RwLock<T>, clear: fn(&mut T)) -> RwLockWriteGuard<'_, T> {
    match lock.write() {
        Ok(guard) => guard,
        Err(mut poisoned) => {
            clear(poisoned.get_mut());
            sync::clear_poison(lock);
            poisoned.into_inner()
        }
    }
}
