//! A person: one human, whose agents on several connections are linked together.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{PersonId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Person {
    pub id: PersonId,
    pub display_name: String,
    /// The normalised email the person's agents were linked by, if any.
    pub email: Option<String>,
    pub created_at: Timestamp,
}
