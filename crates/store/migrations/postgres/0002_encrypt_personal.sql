-- Personal data encrypted at rest: the SQLite migration 0005 (see crates/store/src/sealed.rs).
-- Values are sealed in Rust; this adds the blind indexes lookups need.

ALTER TABLE applicants ADD COLUMN phone_index TEXT;
ALTER TABLE applicants ADD COLUMN id_number_index TEXT;
CREATE UNIQUE INDEX applicants_phone_index ON applicants (phone_index);
CREATE INDEX applicants_id_number_index ON applicants (id_number_index);

DROP TABLE otp_codes;
CREATE TABLE otp_codes (
    phone_index TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The application's log stays append-only; the one update allowed seals a clear action once.
DROP TRIGGER application_actions_append_only ON application_actions;
CREATE TRIGGER application_actions_append_only_delete BEFORE DELETE ON application_actions
FOR EACH ROW EXECUTE FUNCTION wangban_refuse();
CREATE TRIGGER application_actions_append_only_update BEFORE UPDATE ON application_actions
FOR EACH ROW
WHEN (OLD.action LIKE 'wb1.%' OR NEW.action NOT LIKE 'wb1.%'
  OR NEW.application_id IS DISTINCT FROM OLD.application_id OR NEW.seq IS DISTINCT FROM OLD.seq
  OR NEW.at IS DISTINCT FROM OLD.at OR NEW.actor IS DISTINCT FROM OLD.actor
  OR NEW.officer_id IS DISTINCT FROM OLD.officer_id)
EXECUTE FUNCTION wangban_refuse();
