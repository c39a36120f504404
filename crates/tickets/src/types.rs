//! Small closed vocabularies shared by tickets, customers and SLA policies.

use serde::{Deserialize, Serialize};

/// The error for a string that names none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected one of: {expected}")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares a string-backed enum with `as_str`, `ALL`, `FromStr` and `Display`, so the
/// database, the API and the CLI share one spelling of every value.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::types::ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::types::ParseEnumError {
                        what: $what,
                        value: s.chars().take(64).collect(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// How urgent a ticket is; SLA policies match on it.
    Priority, "priority" {
        Urgent => "urgent",
        High => "high",
        Normal => "normal",
        Low => "low",
    }
}

string_enum! {
    /// A customer's tier; SLA policies may give VIP customers their own targets.
    Tier, "tier" {
        Standard => "standard",
        Vip => "vip",
    }
}

string_enum! {
    /// Where a ticket came from.
    Channel, "channel" {
        Web => "web",
        Email => "email",
        Phone => "phone",
        Chat => "chat",
        Social => "social",
        Api => "api",
    }
}

// `string_enum!` cannot derive `Default` for some enums and not others.
#[allow(clippy::derivable_impls)]
impl Default for Priority {
    fn default() -> Self {
        Priority::Normal
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Tier {
    fn default() -> Self {
        Tier::Standard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_string() {
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(*p));
        }
        for c in Channel::ALL {
            assert_eq!(c.to_string().parse::<Channel>(), Ok(*c));
        }
        for t in Tier::ALL {
            assert_eq!(serde_json::to_string(t).ok(), Some(format!("\"{t}\"")));
        }
    }

    #[test]
    fn unknown_value_names_the_choices() {
        let err = "asap".parse::<Priority>().err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("unknown priority `asap`"), "{msg}");
        assert!(msg.contains("urgent, high, normal, low"), "{msg}");
    }
}
