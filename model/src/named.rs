//! Named enums: every list of names users type (modes, variants, mutants, strategies,
//! configurations) is written once, as the arms of [`named_enum!`]; the name, `ALL`, `Display`,
//! `FromStr`, serde and clap's value parser all come from that one list.

/// Defines an enum whose every variant has the one name users type and read. `$what` is how an
/// error message calls the enum ("unknown mode 'x' (expected one of: ...)").
macro_rules! named_enum {
    ($(#[$meta:meta])* $ty:ident, $what:literal { $( $(#[$vmeta:meta])* $variant:ident => $name:literal, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, serde::Serialize, serde::Deserialize)]
        pub enum $ty { $( $(#[$vmeta])* #[serde(rename = $name)] $variant, )* }

        impl $ty {
            pub const ALL: &'static [$ty] = &[ $( $ty::$variant, )* ];

            pub const fn name(self) -> &'static str {
                match self { $( $ty::$variant => $name, )* }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::config_error::ConfigError;
            fn from_str(s: &str) -> Result<Self, $crate::config_error::ConfigError> {
                $ty::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
                    $crate::config_error::ConfigError(format!(
                        "unknown {} '{}' (expected one of: {})",
                        $what,
                        s,
                        $ty::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
                    ))
                })
            }
        }

        impl clap::ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                $ty::ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.name()))
            }
        }
    };
}
pub(crate) use named_enum;
