//! `sync_runs`: one row per sync of a connection.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::sync::{SyncRun, SyncState};
use switchboard_domain::{ConnectionId, Timestamp};

use crate::columns::{opt_timestamp, parsed, timestamp};
use crate::{Result, StoreError};

fn from_row(row: &Row<'_>) -> rusqlite::Result<SyncRun> {
    Ok(SyncRun {
        id: row.get("id")?,
        connection_id: parsed(row, "connection_id")?,
        mode: parsed(row, "mode")?,
        state: parsed(row, "state")?,
        started_at: timestamp(row, "started_at")?,
        finished_at: opt_timestamp(row, "finished_at")?,
        agents: row.get("agents")?,
        teams: row.get("teams")?,
        targets: row.get("targets")?,
        high_water: opt_timestamp(row, "high_water")?,
        error_code: row.get("error_code")?,
        error_message: row.get("error_message")?,
    })
}

/// Records a run as started and returns its id.
pub fn insert(db: &Db, run: &SyncRun) -> Result<i64> {
    db.execute(
        "INSERT INTO sync_runs (connection_id, mode, state, started_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            run.connection_id.to_string(),
            run.mode.as_str(),
            run.state.as_str(),
            run.started_at.0
        ],
    )?;
    Ok(db.last_insert_rowid())
}

/// Records how a run ended.
pub fn finish(db: &Db, run: &SyncRun) -> Result<()> {
    let n = db.execute(
        "UPDATE sync_runs SET state = ?2, finished_at = ?3, agents = ?4, teams = ?5, targets = ?6, high_water = ?7,
                error_code = ?8, error_message = ?9 WHERE id = ?1",
        params![
            run.id,
            run.state.as_str(),
            run.finished_at.map(|t| t.0),
            run.agents,
            run.teams,
            run.targets,
            run.high_water.map(|t| t.0),
            run.error_code,
            run.error_message
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "sync run",
            id: run.id.to_string(),
        });
    }
    Ok(())
}

/// The connection's latest run, whatever its state.
pub fn latest(db: &Db, connection: ConnectionId) -> Result<Option<SyncRun>> {
    Ok(db
        .query_row(
            "SELECT * FROM sync_runs WHERE connection_id = ?1 ORDER BY started_at DESC, id DESC LIMIT 1",
            [connection.to_string()],
            from_row,
        )
        .optional()?)
}

/// The connection's latest run that finished well.
pub fn latest_done(db: &Db, connection: ConnectionId) -> Result<Option<SyncRun>> {
    Ok(db
        .query_row(
            "SELECT * FROM sync_runs WHERE connection_id = ?1 AND state = 'done' ORDER BY started_at DESC, id DESC LIMIT 1",
            [connection.to_string()],
            from_row,
        )
        .optional()?)
}

/// Runs left `running` by a process that stopped: they are marked failed.
pub fn fail_abandoned(db: &Db, at: Timestamp) -> Result<usize> {
    Ok(db.execute(
        "UPDATE sync_runs SET state = ?1, finished_at = ?2, error_code = 'interrupted',
                error_message = 'Switchboard stopped during this sync; the cache kept its earlier data'
         WHERE state = 'running'",
        params![SyncState::Failed.as_str(), at.0],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections;
    use switchboard_domain::Vendor;
    use switchboard_domain::sync::SyncMode;

    #[test]
    fn runs_start_finish_and_the_latest_done_is_found() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Helpcrunch, "HC");
        let run = |at| SyncRun {
            id: 0,
            connection_id: conn.id,
            mode: SyncMode::Full,
            state: SyncState::Running,
            started_at: Timestamp(at),
            finished_at: None,
            agents: 0,
            teams: 0,
            targets: 0,
            high_water: None,
            error_code: None,
            error_message: None,
        };
        store
            .write(|db| connections::upsert(db, &conn))
            .expect("connection");
        let first = store.write(|db| insert(db, &run(1))).expect("insert");
        let done = SyncRun {
            id: first,
            state: SyncState::Done,
            finished_at: Some(Timestamp(2)),
            targets: 7,
            high_water: Some(Timestamp(9)),
            ..run(1)
        };
        store.write(|db| finish(db, &done)).expect("finish");
        store.write(|db| insert(db, &run(3))).expect("second");
        assert_eq!(
            store
                .read(|db| latest(db, conn.id))
                .expect("latest")
                .map(|r| r.state),
            Some(SyncState::Running)
        );
        assert_eq!(
            store.read(|db| latest_done(db, conn.id)).expect("done"),
            Some(done)
        );
        assert_eq!(
            store
                .write(|db| fail_abandoned(db, Timestamp(4)))
                .expect("abandon"),
            1
        );
        let latest = store
            .read(|db| latest(db, conn.id))
            .expect("latest")
            .expect("a run");
        assert_eq!(
            (latest.state, latest.error_code.as_deref()),
            (SyncState::Failed, Some("interrupted"))
        );
    }
}
