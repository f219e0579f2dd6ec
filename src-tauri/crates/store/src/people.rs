//! `people`: one row per human, linking their agents across connections.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::PersonId;
use switchboard_domain::person::Person;

use crate::columns::timestamp;
use crate::{Result, StoreError};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: PersonId(row.get("id")?),
        display_name: row.get("display_name")?,
        email: row.get("email")?,
        created_at: timestamp(row, "created_at")?,
    })
}

pub fn get(db: &Db, id: PersonId) -> Result<Person> {
    db.query_row("SELECT * FROM people WHERE id = ?1", [id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "person",
            id: id.to_string(),
        })
}

pub fn find_by_email(db: &Db, email: &str) -> Result<Option<Person>> {
    Ok(db
        .query_row("SELECT * FROM people WHERE email = ?1", [email], from_row)
        .optional()?)
}

pub fn list(db: &Db) -> Result<Vec<Person>> {
    let mut stmt = db.prepare("SELECT * FROM people ORDER BY display_name COLLATE NOCASE, id")?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts a person (its `id` is ignored) and returns it with the new id.
pub fn insert(db: &Db, person: &Person) -> Result<Person> {
    db.execute(
        "INSERT INTO people (display_name, email, created_at) VALUES (?1, ?2, ?3)",
        params![person.display_name, person.email, person.created_at.0],
    )?;
    Ok(Person {
        id: PersonId(db.last_insert_rowid()),
        ..person.clone()
    })
}

pub fn update(db: &Db, person: &Person) -> Result<()> {
    let n = db.execute(
        "UPDATE people SET display_name = ?2, email = ?3 WHERE id = ?1",
        params![person.id.0, person.display_name, person.email],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "person",
            id: person.id.to_string(),
        });
    }
    Ok(())
}

/// Deletes people no agent belongs to any more; returns how many.
pub fn delete_orphans(db: &Db) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM agents WHERE agents.person_id = people.id)",
        [],
    )?)
}

/// Deletes the person; their agents stay, unlinked.
pub fn delete(db: &Db, id: PersonId) -> Result<bool> {
    Ok(db.execute("DELETE FROM people WHERE id = ?1", [id.0])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::Timestamp;

    #[test]
    fn insert_find_update_delete() {
        let (_dir, store) = crate::test_support::store();
        let ana = store
            .write(|db| {
                insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: "Ana Lima".into(),
                        email: Some("ana@acme.com".into()),
                        created_at: Timestamp(1),
                    },
                )
            })
            .expect("insert");
        assert!(ana.id.0 > 0);
        assert_eq!(
            store
                .read(|db| find_by_email(db, "ana@acme.com"))
                .expect("find"),
            Some(ana.clone())
        );

        let renamed = Person {
            display_name: "Ana L.".into(),
            ..ana.clone()
        };
        store.write(|db| update(db, &renamed)).expect("update");
        assert_eq!(
            store.read(|db| get(db, ana.id)).expect("get").display_name,
            "Ana L."
        );

        // Email is unique: a second person with it is refused.
        let dup = store.write(|db| {
            insert(
                db,
                &Person {
                    id: PersonId(0),
                    ..ana.clone()
                },
            )
        });
        assert!(dup.is_err());

        assert!(store.write(|db| delete(db, ana.id)).expect("delete"));
        assert!(store.read(list).expect("list").is_empty());
    }
}
