-- The audit log becomes tamper-evident: each record holds the SM3 hash of the previous record
-- (`prev_hash`) and its own (`hash`), both 64 lowercase hex digits; the encoding is documented
-- in `crates/store/src/audit_chain.rs`. SQL cannot compute SM3, so rows written before this
-- migration are chained once, in Rust, right after the migrations run
-- (`Store::migrate` → `backfill_audit_chain`); until then their two columns are NULL.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- The chain's head: the last record's id and hash. Every append updates it first, in the
-- same transaction, which takes the database's write lock before the head is read, so two
-- writers cannot both chain from the same record. It also lets `verify` see rows cut from the
-- end of the log. (PostgreSQL: `SELECT … FROM audit_chain_head WHERE id = 1 FOR UPDATE`.)
CREATE TABLE audit_chain_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Still append-only: the one update allowed fills the hashes of a row that has none yet (the
-- backfill), changing nothing else.
DROP TRIGGER audit_log_append_only_update;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor_kind IS NOT OLD.actor_kind
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.action IS NOT OLD.action
  OR NEW.application_id IS NOT OLD.application_id OR NEW.detail IS NOT OLD.detail
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- The head only moves forward.
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
WHEN NEW.last_id < OLD.last_id
BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward'); END;
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
BEGIN SELECT RAISE(ABORT, 'audit_chain_head is kept'); END;
