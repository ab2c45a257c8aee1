//! The reductions: ways the checker explores fewer states without changing any verdict or any
//! shortest counterexample, each of which a test can turn off (docs/design.md, "Reductions").

use crate::named::named_enum;

named_enum!(
    /// Ways the checker explores fewer states without changing any verdict or any shortest
    /// counterexample (docs/design.md, "Reductions"). All are on unless a test turns one off to
    /// show exactly that.
    Reduction, "reduction" {
        /// The witness never restarts in eventual mode, where no read asks it.
        EventualWitnessStaysUp => "eventual-witness-stays-up",
        /// An eviction, node restart or witness restart happens only right before a step that
        /// reads or writes what it destroyed (`deferral.rs`).
        FaultsWaitForReader => "faults-wait-for-reader",
        /// The monitor forgets a client's own writes and reads after its last response.
        RetireFinishedClients => "retire-finished-clients",
        /// Replication deliveries come last: when no operation is in flight, and then no client
        /// starts another.
        DeliveriesLast => "deliveries-last",
        /// Whether a version was a PUT or a DELETE is forgotten once no reader can be shown it.
        ForgetUnusedVersions => "forget-unused-versions",
    }
);

/// A set of [`Reduction`]s.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Reductions(u8);

impl Reductions {
    pub const NONE: Reductions = Reductions(0);

    pub fn all() -> Reductions {
        Reduction::ALL
            .iter()
            .fold(Reductions::NONE, |set, &r| set.with(r))
    }

    /// Every reduction except those that restrict when a step may be taken
    /// (`faults-wait-for-reader`, `deliveries-last`): for the Explorer, where a user may evict,
    /// restart or deliver whenever the system could, and for random walks replayed on the
    /// implementation, whose orderings the model's commutation argument does not cover.
    pub fn every_order() -> Reductions {
        Reductions::all()
            .without(Reduction::FaultsWaitForReader)
            .without(Reduction::DeliveriesLast)
    }

    pub fn contains(self, reduction: Reduction) -> bool {
        self.0 & Self::bit(reduction) != 0
    }

    pub fn with(self, reduction: Reduction) -> Reductions {
        Reductions(self.0 | Self::bit(reduction))
    }

    pub fn without(self, reduction: Reduction) -> Reductions {
        Reductions(self.0 & !Self::bit(reduction))
    }

    fn bit(reduction: Reduction) -> u8 {
        1 << (reduction as u8)
    }
}
