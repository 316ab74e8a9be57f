//! Idempotency keys for requests a client may retry (submit, create, officer steps, payment
//! start): a retry with the same key gets the first answer, also when the server died between
//! the action and the answer (the store's `idempotency` module tells how).
//!
//! While a keyed request runs, its reservation ([`KeyClaim`]) is in a task-local, and
//! [`AppState::act`](crate::app::AppState) and draft creation hand it to the store, which marks
//! the key applied in the action's own transaction. Nothing else needs to pass it along.

use std::future::Future;

use axum::Json;
use axum::http::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use wangban_store::{ApplicationId, KeyClaim, Reservation, StoredAnswer};

use crate::app::AppState;
use crate::error::ApiError;

tokio::task_local! {
    static CLAIM: KeyClaim;
}

/// The reservation of the keyed request running on this task, if any.
pub fn current_claim() -> Option<KeyClaim> {
    CLAIM.try_with(Clone::clone).ok()
}

/// Runs `f` as the request holding `claim`: what it commits marks the claim's key applied, and
/// fails if the key was taken over. [`idempotent`] does this; a test uses it to play a request
/// that died after committing.
pub async fn within<T>(claim: KeyClaim, f: impl Future<Output = T>) -> T {
    CLAIM.scope(claim, f).await
}

/// Runs `f` once per idempotency key: a retry with the same key gets the first answer (a
/// different request under the same key is refused with 422, a retry while the first request
/// still runs with 409). When the first request's action committed but its answer was lost (the
/// server died in between), `again` builds the answer from the application the action changed.
/// A reservation older than twice the request timeout belongs to a request that was cut off: a
/// retry takes it over and runs `f`.
pub async fn idempotent<F, Fut, A, AFut>(
    state: &AppState,
    scope: String,
    key: Option<String>,
    request: &Value,
    f: F,
    again: A,
) -> Result<(StatusCode, Json<Value>), ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, Value), ApiError>>,
    A: FnOnce(ApplicationId) -> AFut,
    AFut: Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let Some(key) = key else {
        let (status, body) = f().await?;
        return Ok((status, Json(body)));
    };
    let hash = hex::encode(Sha256::digest(request.to_string().as_bytes()));
    let owner = hex::encode(rand::random::<[u8; 16]>());
    let now = state.now();
    let takeover = i64::try_from(state.settings.http.request_timeout_seconds)
        .unwrap_or(i64::MAX / 4_000)
        .saturating_mul(2);
    let stale_before = now - chrono::Duration::seconds(takeover);
    let claim = match state
        .store
        .reserve_key(&scope, &key, &hash, &owner, now, stale_before)
        .await?
    {
        Reservation::Reserved(claim) => claim,
        Reservation::Answered(stored) => return replay_answer(stored, &hash),
        Reservation::Applied {
            request_hash,
            application,
        } => {
            same_request(&request_hash, &hash)?;
            let (status, body) = again(application).await?;
            state
                .store
                .complete_applied_key(&scope, &key, status.as_u16(), &body.to_string())
                .await?;
            return Ok((status, Json(body)));
        }
        Reservation::Running { request_hash } => {
            same_request(&request_hash, &hash)?;
            return Err(ApiError::key(
                StatusCode::CONFLICT,
                "api-idempotency-in-progress",
            ));
        }
    };
    match within(claim.clone(), f()).await {
        Ok((status, body)) => {
            state
                .store
                .complete_key(&claim, status.as_u16(), &body.to_string())
                .await?;
            Ok((status, Json(body)))
        }
        Err(e) => {
            state.store.release_key(&claim).await?;
            Err(e)
        }
    }
}

fn same_request(stored: &str, hash: &str) -> Result<(), ApiError> {
    if stored != hash {
        return Err(ApiError::key(
            StatusCode::UNPROCESSABLE_ENTITY,
            "api-idempotency-mismatch",
        ));
    }
    Ok(())
}

fn replay_answer(stored: StoredAnswer, hash: &str) -> Result<(StatusCode, Json<Value>), ApiError> {
    same_request(&stored.request_hash, hash)?;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let body = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
    Ok((status, Json(body)))
}
