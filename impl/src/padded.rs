//! A value alone on its cache lines.
//!
//! A line one core writes (a lock word, a queue head, an atomic it updates) and another core only
//! reads still moves between the two caches on every write, as if it were shared data: false
//! sharing. The heap places small allocations made one after another next to each other, and a
//! struct's fields sit side by side, so a write-hot lock can share a line with the read-hot fields
//! every read hit touches (the node's hasher, the witness epoch). 128 bytes, not 64: x86's
//! adjacent-line prefetcher fetches lines in pairs, so neighbours within 128 bytes still collide.

use std::ops::{Deref, DerefMut};

#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> Deref for Padded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Padded<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
