-- Envelope encryption: data keys (and the blind-index key), each wrapped with SM4-GCM under a
-- key-encryption key (KEK) that lives in the configuration, never here. `wrapped` is
-- nonce (12 bytes) || ciphertext || tag (16 bytes); see crates/store/src/crypto.rs.
CREATE TABLE data_keys (
    id         TEXT PRIMARY KEY,            -- 16 hex digits, carried in every ciphertext
    purpose    TEXT NOT NULL CHECK (purpose IN ('data', 'index')),
    kek_id     TEXT NOT NULL,               -- the KEK it is wrapped under now
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT                         -- no longer used to encrypt (still to decrypt)
);
-- At most one active key of each purpose.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (purpose) WHERE retired_at IS NULL;
