-- Covers: someone away from one instant to another, and who takes their work.
-- A cover starts once (its start job) and ends once (its end job); the state
-- changes in the transaction that journals the job, so two Switchboards (the
-- window and a cron run) never run one step twice.
CREATE TABLE covers (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL CHECK (ends_at > starts_at),
    zone         TEXT NOT NULL,
    to_people    TEXT NOT NULL,    -- a JSON array of people's ids
    to_team      INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    strategy     TEXT NOT NULL CHECK (strategy IN ('round_robin', 'least_loaded')),
    connections  TEXT NOT NULL,    -- a JSON array of connection ids; empty: every one
    follow_new   INTEGER NOT NULL DEFAULT 0,
    note         TEXT,
    state        TEXT NOT NULL CHECK (state IN ('scheduled', 'active', 'ended', 'cancelled')),
    started_at   INTEGER,
    ended_at     INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX covers_due ON covers (state, starts_at, ends_at);
CREATE INDEX covers_person ON covers (person_id, starts_at);

CREATE TABLE cover_jobs (
    cover_id  INTEGER NOT NULL REFERENCES covers (id) ON DELETE CASCADE,
    job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    step      TEXT NOT NULL CHECK (step IN ('start', 'follow', 'end')),
    PRIMARY KEY (cover_id, job_id)
) STRICT;
CREATE INDEX cover_jobs_job ON cover_jobs (job_id);
