-- Idempotency keys survive a crash (see crates/store/src/idempotency.rs).
-- `owner`: the token of the request that holds a running reservation; a request cut off or a
-- process that died leaves it behind, and a retry takes the reservation over under a new token.
-- The action a request commits checks its token in the same transaction (a fence), so the
-- request that lost its reservation cannot commit too.
-- `applied`: the application the reserved request changed, written in the action's own
-- transaction; when the answer was lost after that, a retry answers from the application
-- instead of running the action again.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN applied BIGINT;
