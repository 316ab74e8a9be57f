-- Officers' throughput on the supervisor's dashboard: the SQLite migration 0007 (see
-- crates/store/src/throughput.rs). The event's code in clear beside the sealed action;
-- older rows get it once, in Rust, when the store is unlocked.
ALTER TABLE application_actions ADD COLUMN event TEXT;

CREATE INDEX application_actions_at_officer_event ON application_actions (at, officer_id, event);
CREATE INDEX application_actions_event_missing ON application_actions (application_id, seq)
    WHERE event IS NULL;

-- Still append-only: sealing a clear action once, filling a missing event once, nothing else.
DROP TRIGGER application_actions_append_only_update ON application_actions;
CREATE TRIGGER application_actions_append_only_update BEFORE UPDATE ON application_actions
FOR EACH ROW
WHEN (NEW.application_id IS DISTINCT FROM OLD.application_id OR NEW.seq IS DISTINCT FROM OLD.seq
  OR NEW.at IS DISTINCT FROM OLD.at OR NEW.actor IS DISTINCT FROM OLD.actor
  OR NEW.officer_id IS DISTINCT FROM OLD.officer_id
  OR (NEW.action IS DISTINCT FROM OLD.action
      AND (OLD.action LIKE 'wb1.%' OR NEW.action NOT LIKE 'wb1.%'))
  OR (NEW.event IS DISTINCT FROM OLD.event AND OLD.event IS NOT NULL))
EXECUTE FUNCTION wangban_refuse();
