//! Named pause points at the protocol's step boundaries, so that `witness replay` can drive the
//! real cache through a model counterexample one step at a time.
//!
//! Each point sits just before the step it names, exactly where the model's `Action::Step` for
//! that step begins; the first step of an operation (assign version, node lookup, cached listing
//! lookup) runs as part of the invocation, as in the model. Without the `replay` feature
//! [`sync::pause`](crate::sync) is an empty inline function. With it, a thread on which
//! [`attach`] installed a hook calls the hook at every point; every other thread (and every
//! loom/shuttle build) passes straight through.

/// A step boundary of the protocol, named after the step that follows it.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum Point {
    WriteCommit,
    WriteNotify,
    WriteCommitAndNotify,
    WriteCacheUpdate,
    /// Replication enqueue and acknowledgement.
    WriteAck,
    GetFillLoad,
    GetFillStore,
    GetCheck,
    GetReload,
    GetRepair,
    ListFillLoad,
    ListFillStore,
    ListCheck,
    ListReload,
    ListRepair,
}

impl Point {
    /// The step that follows, in the model's words.
    pub fn name(self) -> &'static str {
        match self {
            Point::WriteCommit => "commit",
            Point::WriteNotify => "witness notify",
            Point::WriteCommitAndNotify => "commit + witness notify",
            Point::WriteCacheUpdate => "cache update",
            Point::WriteAck => "replication enqueue + ack",
            Point::GetFillLoad => "miss fill: persistence.load",
            Point::GetFillStore => "miss fill: node.put",
            Point::GetCheck => "witness.isStale",
            Point::GetReload => "reload: persistence.load",
            Point::GetRepair => "repair: node.put",
            Point::ListFillLoad => "listing fill: persistence scan",
            Point::ListFillStore => "listing fill: store",
            Point::ListCheck => "partition barrier",
            Point::ListReload => "listing reload: persistence scan",
            Point::ListRepair => "listing repair: store",
        }
    }
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(all(feature = "replay", not(loom), not(feature = "shuttle")))]
mod hook {
    use super::Point;
    use std::cell::RefCell;

    /// What a driven thread does at each pause point (typically: tell the driver, wait for it).
    pub type Hook = Box<dyn FnMut(Point)>;

    thread_local!(static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) });

    /// Installs `hook` on the calling thread; from now on its operations stop at every point.
    pub fn attach(hook: Hook) {
        HOOK.with(|h| *h.borrow_mut() = Some(hook));
    }

    /// Removes the calling thread's hook.
    pub fn detach() {
        HOOK.with(|h| *h.borrow_mut() = None);
    }

    pub(crate) fn pause(point: Point) {
        HOOK.with(|h| {
            if let Some(hook) = h.borrow_mut().as_mut() {
                hook(point);
            }
        });
    }

    /// Whether the calling thread is driven (has a hook).
    pub(crate) fn driven() -> bool {
        HOOK.with(|h| h.borrow().is_some())
    }
}

#[cfg(all(feature = "replay", not(loom), not(feature = "shuttle")))]
pub use hook::{attach, detach, Hook};
#[cfg(all(feature = "replay", not(loom), not(feature = "shuttle")))]
pub(crate) use hook::{driven, pause};

#[cfg(not(all(feature = "replay", not(loom), not(feature = "shuttle"))))]
#[inline(always)]
pub(crate) fn pause(_: Point) {}

#[cfg(not(all(feature = "replay", not(loom), not(feature = "shuttle"))))]
#[inline(always)]
pub(crate) fn driven() -> bool {
    false
}
