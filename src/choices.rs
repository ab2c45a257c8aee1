//! Values flags take that are not one named enum of the model or the history crate: a variant
//! name of either axis, a mutant or `none`, a history format or `auto`. Each one's names come from
//! the enums it wraps, so clap's parser, `--help`, serde and reproducing commands share them.

use clap::builder::PossibleValue;
use clap::ValueEnum;
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::OnceLock;
use witness_history::Format;
use witness_model::system::{Barrier, Mutant, Repair, Variant, WitnessOrder};

/// One `--variant` name: a value on one axis of [`Variant`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum VariantName {
    Order(WitnessOrder),
    Repair(Repair),
    Barrier(Barrier),
}

impl VariantName {
    pub fn name(self) -> &'static str {
        match self {
            VariantName::Order(order) => order.name(),
            VariantName::Repair(repair) => repair.name(),
            VariantName::Barrier(barrier) => barrier.name(),
        }
    }

    /// `variant` with this name's axis set to it.
    pub fn apply(self, variant: Variant) -> Variant {
        match self {
            VariantName::Order(witness_order) => Variant {
                witness_order,
                ..variant
            },
            VariantName::Repair(repair) => Variant { repair, ..variant },
            VariantName::Barrier(barrier) => Variant { barrier, ..variant },
        }
    }

    /// The names that select `variant` on every axis: the witness order, the repair, and the
    /// barrier unless it is the per-key one (so commands written before the axis still read the
    /// same).
    pub fn of(variant: Variant) -> Vec<VariantName> {
        let mut names = vec![
            VariantName::Order(variant.witness_order),
            VariantName::Repair(variant.repair),
        ];
        if variant.barrier.records_seq() {
            names.push(VariantName::Barrier(variant.barrier));
        }
        names
    }

    pub fn matches(self, variant: Variant) -> bool {
        VariantName::of(variant).contains(&self)
    }
}

impl ValueEnum for VariantName {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: OnceLock<Vec<VariantName>> = OnceLock::new();
        ALL.get_or_init(|| {
            let orders = WitnessOrder::ALL.iter().copied().map(VariantName::Order);
            let repairs = Repair::ALL.iter().copied().map(VariantName::Repair);
            let barriers = Barrier::ALL.iter().copied().map(VariantName::Barrier);
            orders.chain(repairs).chain(barriers).collect()
        })
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl Serialize for VariantName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A flag value that is one of a named enum's values or a word standing for none of them
/// (`--mutant none`, `--format auto`): the clap values, the name and serde from one list.
macro_rules! one_or_word {
    ($(#[$meta:meta])* $ty:ident, $inner:ty, $word:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Eq, PartialEq)]
        pub struct $ty(pub Option<$inner>);

        impl $ty {
            pub fn name(self) -> &'static str {
                self.0.map_or($word, <$inner>::name)
            }
        }

        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                static ALL: OnceLock<Vec<$ty>> = OnceLock::new();
                ALL.get_or_init(|| {
                    let named = <$inner>::ALL.iter().map(|&v| $ty(Some(v)));
                    std::iter::once($ty(None)).chain(named).collect()
                })
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.name()))
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }
    };
}

one_or_word!(
    /// A suite row's mutant as `--mutant` filters it: one of the mutants, or the rows without one.
    MutantOrNone,
    Mutant,
    "none"
);

one_or_word!(
    /// `witness history --format`: a format, or `auto` to detect it from the first line.
    FormatOrAuto,
    Format,
    "auto"
);

/// `witness history --to`: the formats the checker can write a history in.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ExportFormat {
    JepsenJson,
}

impl ExportFormat {
    pub fn format(self) -> Format {
        match self {
            ExportFormat::JepsenJson => Format::JepsenJson,
        }
    }
}

impl ValueEnum for ExportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[ExportFormat::JepsenJson]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.format().name()))
    }
}

macro_rules! display_by_name {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}

display_by_name!(VariantName, MutantOrNone, FormatOrAuto);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name parses back to its value, through clap's own lookup.
    fn round_trips<T: ValueEnum + Eq + std::fmt::Debug>() {
        for value in T::value_variants() {
            let name = value.to_possible_value().map(|v| v.get_name().to_string());
            let name = name.unwrap_or_default();
            assert_eq!(T::from_str(&name, false).as_ref(), Ok(value), "{name}");
        }
    }

    #[test]
    fn every_choice_parses_back() {
        round_trips::<VariantName>();
        round_trips::<MutantOrNone>();
        round_trips::<FormatOrAuto>();
        round_trips::<ExportFormat>();
        assert_eq!(
            VariantName::value_variants().len(),
            WitnessOrder::ALL.len() + Repair::ALL.len() + Barrier::ALL.len()
        );
    }

    #[test]
    fn variant_names_set_their_axis() {
        for variant in Variant::all() {
            let names = VariantName::of(variant);
            let applied = names
                .iter()
                .fold(Variant::default(), |v, name| name.apply(v));
            assert_eq!(applied, variant);
            assert!(names.iter().all(|name| name.matches(variant)));
        }
    }
}
