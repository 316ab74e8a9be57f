//! Idempotency keys: a retried request gets the first request's answer, also across a crash.
//!
//! A request with a key first *reserves* it under a fresh owner token, runs, then *completes*
//! the key with its answer (or *releases* it when it failed, so that a retry runs again).
//! Two things can go wrong between the reservation and the answer, and both are recovered:
//!
//! - The process dies (or the request is cut off) before the request's action committed. The
//!   reservation stays "running"; once it is older than the caller's takeover age, a retry takes
//!   it over under a new owner token and runs the request again. The action checks its owner
//!   token in its own transaction ([`Store::commit_action_for_key`]), so a request that lost its
//!   reservation cannot commit after the one that took it over.
//! - The process dies after the action committed but before the answer was stored. The action's
//!   transaction marked the key `applied` with the application it changed, so a retry learns
//!   that the action happened and answers from the application as it now is, without running
//!   the action a second time.
//!
//! The stored answer is sealed (it may hold personal data: an application's view).

use serde::{Deserialize, Serialize};

use crate::db::{Tx, query};
use crate::{ApplicationId, Result, Store, StoreError, Timestamp, sealed};

/// A stored answer to an idempotent request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// The reservation a running request holds: the key and the owner token it reserved it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyClaim {
    pub scope: String,
    pub key: String,
    pub owner: String,
}

/// What [`Store::reserve_key`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// The key is the caller's (new, or taken over from a request that was cut off): run the
    /// request, then [`Store::complete_key`] or [`Store::release_key`].
    Reserved(KeyClaim),
    /// The first request under this key answered: this is its answer.
    Answered(StoredAnswer),
    /// The first request under this key committed its action to `application` but its answer
    /// was lost: answer from the application, then [`Store::complete_applied_key`].
    Applied {
        request_hash: String,
        application: ApplicationId,
    },
    /// The first request under this key is still running (reserved less than the takeover age
    /// ago); `request_hash` tells whether this is the same request.
    Running { request_hash: String },
}

impl Store {
    /// The stored answer for `(scope, key)`, if any (`status` 0 and an empty body while the
    /// first request runs).
    pub async fn idempotent_answer(&self, scope: &str, key: &str) -> Result<Option<StoredAnswer>> {
        let row = query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let body: String = r.try_get(2)?;
            let status = r.try_get::<i64, _>(1)?;
            Ok(StoredAnswer {
                request_hash: r.try_get(0)?,
                status: u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt(format!("answer status {status}")))?,
                body: if body.is_empty() {
                    body
                } else {
                    self.unseal(sealed::col::ANSWER_BODY, &[scope, key], &body)?
                },
            })
        })
        .transpose()
    }

    /// Reserves `(scope, key)` for the request hashed `request_hash`, under the token `owner`.
    /// A reservation still running that was made before `stale_before` belongs to a request
    /// that was cut off or a process that died: it is taken over (only when the request is the
    /// same; a different one is told [`Reservation::Running`] with the first request's hash).
    pub async fn reserve_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        owner: &str,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> Result<Reservation> {
        let claim = || KeyClaim {
            scope: scope.to_owned(),
            key: key.to_owned(),
            owner: owner.to_owned(),
        };
        let inserted = query(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at,
                                           owner)
             VALUES ($1, $2, $3, 0, '', $4, $5) ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Reservation::Reserved(claim()));
        }
        let taken = query(
            "UPDATE idempotency_keys SET owner = $1, created_at = $2
             WHERE scope = $3 AND key = $4 AND request_hash = $5 AND status = 0
               AND applied IS NULL AND created_at < $6",
        )
        .bind(owner)
        .bind(now)
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(stale_before)
        .execute(&self.pool)
        .await?;
        if taken.rows_affected() == 1 {
            tracing::info!(
                scope,
                "idempotency key taken over from a request that was cut off"
            );
            return Ok(Reservation::Reserved(claim()));
        }
        let row = query(
            "SELECT request_hash, status, body, applied FROM idempotency_keys
             WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        // Released between the insert and the read (the first request failed): try again.
        let Some(r) = row else {
            return Box::pin(self.reserve_key(scope, key, request_hash, owner, now, stale_before))
                .await;
        };
        let request_hash: String = r.try_get(0)?;
        let status = r.try_get::<i64, _>(1)?;
        if status != 0 {
            let body: String = r.try_get(2)?;
            return Ok(Reservation::Answered(StoredAnswer {
                request_hash,
                status: u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt(format!("answer status {status}")))?,
                body: self.unseal(sealed::col::ANSWER_BODY, &[scope, key], &body)?,
            }));
        }
        Ok(match r.try_get::<Option<i64>, _>(3)? {
            Some(id) => Reservation::Applied {
                request_hash,
                application: ApplicationId(id),
            },
            None => Reservation::Running { request_hash },
        })
    }

    /// Records the answer of a reserved request (nothing, if its reservation was taken over).
    pub async fn complete_key(&self, claim: &KeyClaim, status: u16, body: &str) -> Result<()> {
        query(
            "UPDATE idempotency_keys SET status = $1, body = $2
             WHERE scope = $3 AND key = $4 AND owner = $5 AND status = 0",
        )
        .bind(i64::from(status))
        .bind(self.seal(sealed::col::ANSWER_BODY, &[&claim.scope, &claim.key], body)?)
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(&claim.owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the answer rebuilt for a key whose request committed but lost its answer
    /// ([`Reservation::Applied`]); the first answer stored wins.
    pub async fn complete_applied_key(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        query(
            "UPDATE idempotency_keys SET status = $1, body = $2
             WHERE scope = $3 AND key = $4 AND status = 0 AND applied IS NOT NULL",
        )
        .bind(i64::from(status))
        .bind(self.seal(sealed::col::ANSWER_BODY, &[scope, key], body)?)
        .bind(scope)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a reservation whose request failed before changing anything, so that a retry
    /// runs it again (a reservation whose action committed is kept).
    pub async fn release_key(&self, claim: &KeyClaim) -> Result<()> {
        query(
            "DELETE FROM idempotency_keys
             WHERE scope = $1 AND key = $2 AND owner = $3 AND status = 0 AND applied IS NULL",
        )
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(&claim.owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// In an action's transaction: marks the claim's key as applied to `application`, or
/// fails with [`StoreError::Conflict`] (rolling the action back) when the reservation was taken
/// over by a retry.
pub(crate) async fn mark_applied(
    tx: &mut Tx,
    claim: &KeyClaim,
    application: ApplicationId,
) -> Result<()> {
    let done = query(
        "UPDATE idempotency_keys SET applied = $1
         WHERE scope = $2 AND key = $3 AND owner = $4 AND status = 0",
    )
    .bind(application.0)
    .bind(&claim.scope)
    .bind(&claim.key)
    .bind(&claim.owner)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tracing::warn!("idempotency key taken over before this request committed; rolled back");
        return Err(StoreError::Conflict);
    }
    Ok(())
}
