//! Every export the command line streams, written by the engine: the caller
//! says what and where to, and never reads the cache itself.

use std::io::Write;

use switchboard_domain::browse::{PersonRow, TargetQuery};
use switchboard_domain::job::{HistoryQuery, OperationState};
use switchboard_domain::{ConnectionId, JobId};

use super::{write_job, write_people, write_plan, write_targets};
use crate::reassign::ReassignRequest;
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
    /// A job's items with how each ended (only those in `only`, unless empty), as CSV.
    Job {
        job: JobId,
        only: Vec<OperationState>,
    },
    /// A reassignment's plan, from the cache, as CSV in the same columns.
    ReassignPlan(ReassignRequest),
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
            Export::Job { job, only } => write_job(&store, job, &only, out).map(|_| ()),
            Export::ReassignPlan(request) => write_plan(&store, &request, out).map(|_| ()),
        })
    }
}
