-- Personal data encrypted at rest (see crates/store/src/sealed.rs). The values themselves are
-- sealed in Rust (SQL cannot compute SM4): `Store::unlock` seals every clear value left from
-- before this migration, once, in one transaction. This migration adds what lookups need.

-- Blind indexes (HMAC-SM3, 64 hex digits) of the applicant's mobile number (login) and ID
-- number, so that rows are found without decrypting. `phone` keeps its UNIQUE constraint
-- (ciphertexts never repeat); uniqueness of the number is now the index's.
ALTER TABLE applicants ADD COLUMN phone_index TEXT;
ALTER TABLE applicants ADD COLUMN id_number_index TEXT;
CREATE UNIQUE INDEX applicants_phone_index ON applicants (phone_index);
CREATE INDEX applicants_id_number_index ON applicants (id_number_index);

-- One-time login codes are keyed by the number's blind index, not the number. Codes live
-- minutes: the table is made anew (a code requested just before the upgrade is requested
-- again).
DROP TABLE otp_codes;
CREATE TABLE otp_codes (
    phone_index TEXT PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

-- The application's log stays append-only; the one update allowed seals a clear action
-- (written before this migration) once, changing nothing else.
DROP TRIGGER application_actions_append_only_update;
CREATE TRIGGER application_actions_append_only_update BEFORE UPDATE ON application_actions
WHEN OLD.action LIKE 'wb1.%' OR NEW.action NOT LIKE 'wb1.%'
  OR NEW.application_id IS NOT OLD.application_id OR NEW.seq IS NOT OLD.seq
  OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.officer_id IS NOT OLD.officer_id
BEGIN SELECT RAISE(ABORT, 'application_actions is append-only'); END;
