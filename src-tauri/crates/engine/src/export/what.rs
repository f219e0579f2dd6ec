//! Every export the command line streams, written by the engine: the caller
//! says what and where to, and never reads the cache itself.

use std::io::Write;

use switchboard_domain::ConnectionId;
use switchboard_domain::browse::{PersonRow, TargetQuery};
use switchboard_domain::job::HistoryQuery;

use super::{write_people, write_targets};
use crate::{EngineError, Workspace};

/// What to export.
#[derive(Debug, Clone)]
pub enum Export {
    /// History matching the query, as CSV.
    History(HistoryQuery),
    /// Targets matching the query, as CSV or JSON.
    Targets { query: TargetQuery, json: bool },
    /// People with their agents, or (`agents`) one row per agent; with a
    /// connection, only its agents and the people who have one there. CSV or JSON.
    People {
        people: Vec<PersonRow>,
        agents: bool,
        connection: Option<ConnectionId>,
        json: bool,
    },
}

/// An export's writer: run it on a blocking thread, with a file (see
/// [`super::Destination::write`]) or standard output.
pub type Exporter = Box<dyn FnOnce(&mut dyn Write) -> Result<(), EngineError> + Send>;

impl Workspace {
    /// The writer of `what`; it reads the cache as it writes, so a big export
    /// never sits in memory.
    pub fn exporter(&self, what: Export) -> Exporter {
        let store = self.store().clone();
        Box::new(move |out| match what {
            Export::History(query) => crate::history::write_csv(&store, &query, out).map(|_| ()),
            Export::Targets { query, json } => write_targets(&store, &query, out, json),
            Export::People {
                mut people,
                agents,
                connection,
                json,
            } => {
                if let Some(c) = connection {
                    people.retain(|p| p.agents.iter().any(|a| a.connection_id == c));
                }
                write_people(agents, connection, &people, out, json)
            }
        })
    }
}
