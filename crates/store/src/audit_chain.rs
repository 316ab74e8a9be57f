//! The audit log's hash chain: what a record's hash covers, how it is encoded, and what
//! [`crate::Store::verify_audit_chain`] reports.
//!
//! # The encoding (version 1)
//!
//! A record's `hash` is SM3 (GB/T 32905-2016) over the concatenation of nine fields, each
//! written as
//!
//! - `0x00` if the field is NULL, or
//! - `0x01`, then the length of its bytes as an unsigned 32-bit big-endian integer, then the
//!   bytes,
//!
//! in this order: the tag `wangban-audit-v1` (ASCII), `id` (8 bytes, signed big-endian),
//! `at` (the UTF-8 text exactly as stored, RFC 3339 in UTC), `actor_kind` (UTF-8), `actor_id`
//! (8 bytes, signed big-endian, or NULL), `action` (UTF-8), `application_id` (8 bytes, signed
//! big-endian, or NULL), `detail` (the stored JSON text, UTF-8), `prev_hash` (its 32 bytes).
//! Because every field carries its length (or is marked NULL), no two different records encode
//! to the same bytes — unlike a string concatenation, where `("ab", "c")` and `("a", "bc")`
//! collide.
//!
//! Hashes are stored as 64 lowercase hex digits. The first record's `prev_hash` is the genesis
//! value, 32 zero bytes ([`GENESIS`]); every later record's `prev_hash` is the `hash` of the
//! record before it, and ids run 1, 2, 3, … without gaps.
//!
//! # Serialised appends
//!
//! Every append first updates the one row of `audit_chain_head` (`UPDATE … RETURNING`), which
//! in SQLite takes the database's write lock before the head is read, so two writers cannot
//! chain from the same record; the record and the new head are written in the same
//! transaction. PostgreSQL will need the same with a row lock: `SELECT last_id, last_hash FROM
//! audit_chain_head WHERE id = 1 FOR UPDATE` (or `pg_advisory_xact_lock` on a fixed key) at
//! the start of the appending transaction.
//!
//! # What it proves
//!
//! SM3 has no key: someone who can write to the database and recomputes every later hash (and
//! the head) can rewrite history undetected. The chain catches edits, deletions and insertions
//! made without that, and `wangban audit verify --json` prints the last hash so that an
//! operator can keep it elsewhere (anchoring); a later log must still chain through it.

use serde::Serialize;
use sm3::{Digest, Sm3};

/// The `prev_hash` of the first record: 32 zero bytes, in hex.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const TAG: &[u8] = b"wangban-audit-v1";

/// The fields of one record that its hash covers, as stored.
#[derive(Clone, Debug)]
pub struct ChainFields<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub application_id: Option<i64>,
    pub detail: &'a str,
    /// Hex, as stored.
    pub prev_hash: &'a str,
}

fn field(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            let len = u32::try_from(b.len()).expect("an audit field shorter than 4 GiB");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(b);
        }
    }
}

/// The canonical bytes of a record (see the module documentation). `None` if `prev_hash` is
/// not 64 hex digits.
pub fn encode(f: &ChainFields<'_>) -> Option<Vec<u8>> {
    let prev = hex::decode(f.prev_hash).ok().filter(|p| p.len() == 32)?;
    let mut out = Vec::with_capacity(128 + f.detail.len());
    field(&mut out, Some(TAG));
    field(&mut out, Some(&f.id.to_be_bytes()));
    field(&mut out, Some(f.at.as_bytes()));
    field(&mut out, Some(f.actor_kind.as_bytes()));
    field(
        &mut out,
        f.actor_id.map(i64::to_be_bytes).as_ref().map(|b| &b[..]),
    );
    field(&mut out, Some(f.action.as_bytes()));
    field(
        &mut out,
        f.application_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    field(&mut out, Some(f.detail.as_bytes()));
    field(&mut out, Some(&prev));
    Some(out)
}

/// The record's hash, 64 lowercase hex digits; `None` if `prev_hash` is not a hash.
pub fn record_hash(f: &ChainFields<'_>) -> Option<String> {
    encode(f).map(|bytes| hex::encode(Sm3::digest(bytes)))
}

/// What is wrong with the first broken record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChainProblem {
    /// The record's hash is not the hash of its contents: it was edited (or forged).
    HashMismatch,
    /// The record does not point at the hash of the record before it.
    PrevHashMismatch,
    /// The record has no hash at all.
    MissingHash,
    /// There is no record with this id, though later ones exist: it was deleted.
    Gap,
    /// The log ends before this id, which the chain's head says was written: records were
    /// cut from the end.
    Truncated,
    /// This record is not the one the chain's head recorded last (edited head or last record).
    HeadMismatch,
    /// This record lies beyond the chain's head: it was not appended by wangban.
    BeyondHead,
}

impl ChainProblem {
    /// The catalogue key that explains it (`crates/core/locales/*/audit.ftl`).
    pub fn message_key(self) -> &'static str {
        match self {
            ChainProblem::HashMismatch => "audit-problem-hash-mismatch",
            ChainProblem::PrevHashMismatch => "audit-problem-prev-hash-mismatch",
            ChainProblem::MissingHash => "audit-problem-missing-hash",
            ChainProblem::Gap => "audit-problem-gap",
            ChainProblem::Truncated => "audit-problem-truncated",
            ChainProblem::HeadMismatch => "audit-problem-head-mismatch",
            ChainProblem::BeyondHead => "audit-problem-beyond-head",
        }
    }

    /// The stable code (also the message key's suffix).
    pub fn code(self) -> &'static str {
        match self {
            ChainProblem::HashMismatch => "hash-mismatch",
            ChainProblem::PrevHashMismatch => "prev-hash-mismatch",
            ChainProblem::MissingHash => "missing-hash",
            ChainProblem::Gap => "gap",
            ChainProblem::Truncated => "truncated",
            ChainProblem::HeadMismatch => "head-mismatch",
            ChainProblem::BeyondHead => "beyond-head",
        }
    }
}

/// The first broken record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The id of the broken (or missing) record.
    pub id: i64,
    pub problem: ChainProblem,
}

/// The answer of [`crate::Store::verify_audit_chain`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Records checked and found sound (before the break, if any).
    pub checked: u64,
    /// The hash of the last sound record ([`GENESIS`] for an empty log).
    pub last_hash: String,
    /// The first broken record; `None` when the chain is intact.
    pub broken: Option<ChainBreak>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(detail: &'a str, action: &'a str) -> ChainFields<'a> {
        ChainFields {
            id: 1,
            at: "2026-03-02T02:00:00+00:00",
            actor_kind: "system",
            actor_id: None,
            action,
            application_id: Some(7),
            detail,
            prev_hash: GENESIS,
        }
    }

    #[test]
    fn sm3_is_the_standard_one() {
        // GB/T 32905-2016, example 1 ("abc").
        assert_eq!(
            hex::encode(Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn fields_are_length_prefixed_so_moving_a_boundary_changes_the_hash() {
        let a = record_hash(&fields("{}x", "ab")).unwrap();
        let b = record_hash(&fields("x{}", "ab")).unwrap();
        let c = record_hash(&fields("{}", "abx")).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        let mut null = fields("{}", "ab");
        null.actor_id = None;
        let mut zero = fields("{}", "ab");
        zero.actor_id = Some(0);
        assert_ne!(record_hash(&null), record_hash(&zero));
        assert_eq!(record_hash(&null).unwrap().len(), 64);
    }

    #[test]
    fn a_prev_hash_that_is_not_a_hash_is_refused() {
        let mut f = fields("{}", "ab");
        f.prev_hash = "abc";
        assert_eq!(record_hash(&f), None);
    }
}
