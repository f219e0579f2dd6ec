//! Group commit: the small writes a bulk job makes for each item (taking it,
//! recording its answer) from many lanes at once, committed together.
//!
//! One thread owns the writing: it takes every write waiting when it is free,
//! runs them in one transaction (each in its own savepoint, see
//! `Store::write_group`) and answers each once the commit is done. A lone
//! write is committed at once, as before; when sixteen lanes finish together,
//! they share one commit instead of queueing for sixteen. Nothing is answered
//! before it is committed, so what a lane goes on to do is always on disk.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use rusqlite::Transaction;
use switchboard_store::{GroupedWrite, Store, StoreError};
use tokio::sync::oneshot;

use crate::EngineError;

/// The most writes one commit takes: a commit stays short, so a view waiting
/// to write is not held up behind a whole job.
const MOST: usize = 256;

/// The writing thread's inbox; the thread ends when the workspace is dropped.
pub(crate) struct GroupCommit {
    inbox: Mutex<Option<mpsc::Sender<Box<dyn GroupedWrite>>>>,
    store: Arc<Store>,
}

impl GroupCommit {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        Self {
            inbox: Mutex::new(None),
            store,
        }
    }

    /// Runs `f` in a transaction shared with the other writes waiting now;
    /// answers once it is committed. `f` must be small (one item's writes).
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> switchboard_store::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let pending = Box::new(Pending {
            f: Some(f),
            value: None,
            reply,
        });
        self.sender()?
            .send(pending)
            .map_err(|_| EngineError::Store(StoreError::Poisoned))?;
        answer
            .await
            .map_err(|_| EngineError::Store(StoreError::Poisoned))?
            .map_err(EngineError::Store)
    }

    /// The inbox, starting the writing thread on first use.
    fn sender(&self) -> Result<mpsc::Sender<Box<dyn GroupedWrite>>, EngineError> {
        let mut inbox = self
            .inbox
            .lock()
            .map_err(|_| EngineError::Store(StoreError::Poisoned))?;
        if let Some(sender) = inbox.as_ref() {
            return Ok(sender.clone());
        }
        let (sender, receiver) = mpsc::channel::<Box<dyn GroupedWrite>>();
        let store = self.store.clone();
        std::thread::Builder::new()
            .name("switchboard-group-commit".into())
            .spawn(move || {
                while let Ok(first) = receiver.recv() {
                    let mut group = vec![first];
                    while group.len() < MOST
                        && let Ok(next) = receiver.try_recv()
                    {
                        group.push(next);
                    }
                    // A panic in one write answers its group with an error
                    // (their replies are dropped); the thread goes on.
                    let store = std::panic::AssertUnwindSafe(&store);
                    let group = std::panic::AssertUnwindSafe(group);
                    let _ = std::panic::catch_unwind(move || store.write_group({ group }.0));
                }
            })
            .map_err(|e| EngineError::Startup(format!("cannot start the database writer: {e}")))?;
        *inbox = Some(sender.clone());
        Ok(sender)
    }
}

/// One write waiting for its group's commit.
struct Pending<T, F> {
    f: Option<F>,
    value: Option<switchboard_store::Result<T>>,
    reply: oneshot::Sender<switchboard_store::Result<T>>,
}

impl<T, F> GroupedWrite for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> switchboard_store::Result<T> + Send + 'static,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let value = f(tx);
        let ok = value.is_ok();
        self.value = Some(value);
        ok
    }

    fn finish(self: Box<Self>, failed: Option<StoreError>) {
        let value = match failed {
            Some(e) => Err(e),
            None => self.value.unwrap_or(Err(StoreError::Poisoned)),
        };
        // The task that asked may have been cancelled: then nobody waits.
        let _ = self.reply.send(value);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use switchboard_store::{Store, StoreError};

    use super::GroupCommit;
    use crate::EngineError;

    fn store() -> (tempfile::TempDir, Arc<Store>) {
        let dir = tempfile::tempdir().expect("temp");
        let store = Store::open(dir.path().join("group.db")).expect("open");
        store
            .write(|tx| Ok(tx.execute_batch("CREATE TABLE scratch (n INTEGER)")?))
            .expect("table");
        (dir, Arc::new(store))
    }

    fn rows(store: &Store) -> Vec<i64> {
        store
            .read(|db| {
                let mut stmt = db.prepare("SELECT n FROM scratch ORDER BY n")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<i64>, _>>()?)
            })
            .expect("read")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_write_is_kept_or_rolled_back_alone_and_answered_after_the_commit() {
        let (_dir, store) = store();
        let group = Arc::new(GroupCommit::new(store.clone()));
        let writes = (0..300_i64).map(|n| {
            let (group, store) = (group.clone(), store.clone());
            tokio::spawn(async move {
                let answer = group
                    .write(move |tx| {
                        tx.execute("INSERT INTO scratch (n) VALUES (?1)", [n])?;
                        if n % 10 == 7 {
                            return Err(StoreError::NotFound {
                                what: "row",
                                id: n.to_string(),
                            });
                        }
                        Ok(n * 2)
                    })
                    .await;
                // Answered only once committed: another connection sees it.
                if answer.is_ok() {
                    let seen: i64 = store
                        .read(|db| {
                            Ok(db.query_row(
                                "SELECT count(*) FROM scratch WHERE n = ?1",
                                [n],
                                |r| r.get(0),
                            )?)
                        })
                        .expect("read");
                    assert_eq!(seen, 1, "write {n} answered before it was committed");
                }
                (n, answer)
            })
        });
        let answers = futures_util::future::join_all(writes).await;
        for joined in answers {
            let (n, answer) = joined.expect("task");
            match answer {
                Ok(v) => assert_eq!((n % 10 != 7, v), (true, n * 2)),
                Err(EngineError::Store(StoreError::NotFound { id, .. })) => {
                    assert_eq!((n % 10, id), (7, n.to_string()));
                }
                Err(e) => panic!("write {n}: {e}"),
            }
        }
        let kept: Vec<i64> = (0..300).filter(|n| n % 10 != 7).collect();
        assert_eq!(
            rows(&store),
            kept,
            "the failed writes left nothing, the others everything"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_that_cannot_be_committed_tells_each_write() {
        let (dir, store) = store();
        let group = Arc::new(GroupCommit::new(store.clone()));
        // Another process holds the write lock past our wait.
        let other = rusqlite::Connection::open(dir.path().join("group.db")).expect("open");
        other.execute_batch("BEGIN IMMEDIATE").expect("lock");
        let writes = (0..3_i64).map(|n| {
            let group = group.clone();
            tokio::spawn(async move {
                group
                    .write(move |tx| Ok(tx.execute("INSERT INTO scratch (n) VALUES (?1)", [n])?))
                    .await
            })
        });
        for answer in futures_util::future::join_all(writes).await {
            let answer = answer.expect("task");
            assert!(
                matches!(answer, Err(EngineError::Store(StoreError::Busy))),
                "{answer:?}"
            );
        }
        other.execute_batch("ROLLBACK").expect("unlock");
        assert!(rows(&store).is_empty());
        // The writer goes on once the lock is free.
        assert_eq!(
            group
                .write(|tx| Ok(tx.execute("INSERT INTO scratch (n) VALUES (1)", [])?))
                .await
                .expect("write"),
            1
        );
    }
}
