use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::ValidationError;

/// Row ids of cached vendor data. They are local to this database: a vendor's own
/// id is always kept beside them as text (`vendor_id`), since the five vendors use
/// object ids, UUIDs, integers and emails.
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

row_id!(
    /// An agent account on one connection.
    AgentId
);
row_id!(
    /// A team (CCAI Platform) or department (HelpCrunch) on one connection.
    TeamId
);
row_id!(
    /// A person: the agents of one human across connections.
    PersonId
);
row_id!(
    /// A vendor's client, contact, chat or conversation.
    TargetId
);
row_id!(
    /// One change sent (or to be sent) to a vendor.
    OperationId
);
row_id!(
    /// A cover: someone away, and who takes their work until they are back.
    CoverId
);

/// Ids that are made on this machine and may be shown, typed or passed on the
/// command line: UUIDs, so two databases never collide when exported and merged.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id; v7 so ids sort by creation time.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| {
                    ValidationError::new(
                        $field,
                        format!("'{s}' is not a valid id; expected a UUID such as 0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d"),
                    )
                })
            }
        }
    };
}

uuid_id!(
    /// A vendor account the manager connected.
    ConnectionId,
    "connection"
);
uuid_id!(
    /// A batch of operations started by one action of the manager or one command.
    JobId,
    "job"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_id_round_trips_through_text() {
        let id = ConnectionId::new();
        let parsed: ConnectionId = id.to_string().parse().expect("own id parses");
        assert_eq!(parsed, id);
    }

    #[test]
    fn a_bad_connection_id_names_the_field() {
        let err = "not-a-uuid".parse::<ConnectionId>().expect_err("must fail");
        assert_eq!(err.field, "connection");
        assert!(err.message.contains("not-a-uuid"), "{err}");
    }

    #[test]
    fn ids_are_plain_json() {
        let json = serde_json::to_string(&AgentId(42)).expect("serialises");
        assert_eq!(json, "42");
    }
}
