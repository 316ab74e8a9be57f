-- Officers' throughput on the supervisor's dashboard (see crates/store/src/throughput.rs).
-- The log's `action` is sealed, so what happened is kept beside it in clear as the event's
-- code (`claim`, `approve`, … — no personal data), written with the row by `commit_action`.
-- Rows written before this migration get it once, in Rust, when the store is unlocked (SQL
-- cannot open the sealed action): the partial index finds them without scanning the log.
ALTER TABLE application_actions ADD COLUMN event TEXT;

-- Counting by time: a range of `at`, covering the officer and the event, so that a window of
-- days reads only that window's rows and never the table.
CREATE INDEX application_actions_at_officer_event ON application_actions (at, officer_id, event);
CREATE INDEX application_actions_event_missing ON application_actions (application_id, seq)
    WHERE event IS NULL;

-- The log stays append-only. Allowed updates: sealing a clear action once (migration 0005)
-- and filling a missing event once; nothing else may change.
DROP TRIGGER application_actions_append_only_update;
CREATE TRIGGER application_actions_append_only_update BEFORE UPDATE ON application_actions
WHEN NEW.application_id IS NOT OLD.application_id OR NEW.seq IS NOT OLD.seq
  OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.officer_id IS NOT OLD.officer_id
  OR (NEW.action IS NOT OLD.action AND (OLD.action LIKE 'wb1.%' OR NEW.action NOT LIKE 'wb1.%'))
  OR (NEW.event IS NOT OLD.event AND OLD.event IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'application_actions is append-only'); END;
