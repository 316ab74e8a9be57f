//! Sessions for applicants and officers.
//!
//! A session token is 32 random bytes (base64url), sent as `Authorization: Bearer <token>` by
//! apps or as the `wangban_session` cookie by browsers; the database keeps only its SHA-256, so
//! a copy of the database opens no session. Sessions end after an idle and an absolute timeout.
//! Officers' sessions start at the `totp_pending` stage after the password and become full only
//! with the TOTP code; a full officer session carries the officer's role, which decides what
//! they may do (the state machine's table decides which role may take which step).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use chrono::Duration;
use sha2::{Digest, Sha256};
use wangban_core::state::Actor;
use wangban_store::{
    ApplicantId, NewSession, Officer, OfficerId, Session, SessionKind, SessionStage,
};

use crate::app::AppState;
use crate::error::ApiError;

pub const COOKIE: &str = "wangban_session";
/// The cookie of an officer's page session (apart from the applicant's, so that both can be
/// logged in in one browser).
pub const OFFICER_COOKIE: &str = "wangban_officer";

/// A new random session token and the hash that is stored.
pub fn new_token() -> (String, String) {
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn presented_token(parts: &Parts, kind: SessionKind) -> Option<String> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION)
        && let Ok(v) = v.to_str()
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_owned());
    }
    let names: &[&str] = match kind {
        SessionKind::Applicant => &[COOKIE],
        SessionKind::Officer => &[OFFICER_COOKIE, COOKIE],
    };
    names.iter().find_map(|name| {
        parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_owned())
    })
}

impl AppState {
    /// Opens a session and returns its token.
    pub async fn open_session(
        &self,
        kind: SessionKind,
        subject_id: i64,
        stage: SessionStage,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
        let now = self.now();
        let s = &self.settings.sessions;
        let (idle, absolute) = match (kind, stage) {
            (_, SessionStage::TotpPending) => (
                Duration::minutes(s.totp_pending_minutes),
                Duration::minutes(s.totp_pending_minutes),
            ),
            (SessionKind::Applicant, _) => (
                Duration::minutes(s.applicant_idle_minutes),
                Duration::hours(s.applicant_absolute_hours),
            ),
            (SessionKind::Officer, _) => (
                Duration::minutes(s.officer_idle_minutes),
                Duration::hours(s.officer_absolute_hours),
            ),
        };
        let (token, hash) = new_token();
        let absolute_expires_at = now + absolute;
        self.store
            .create_session(&NewSession {
                token_hash: hash,
                kind,
                subject_id,
                stage,
                now,
                idle_expires_at: (now + idle).min(absolute_expires_at),
                absolute_expires_at,
            })
            .await?;
        Ok((token, absolute_expires_at))
    }

    /// Replaces the session `old_hash` by a new full one of the same subject (a new session
    /// id at a change of privilege, against session fixation): the old token stops working.
    pub async fn renew_session(
        &self,
        old_hash: &str,
        kind: SessionKind,
        subject_id: i64,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
        self.store.delete_session(old_hash).await?;
        self.open_session(kind, subject_id, SessionStage::Full)
            .await
    }

    /// The live session for the presented token, its idle timeout moved on.
    async fn live_session(&self, parts: &Parts, kind: SessionKind) -> Result<Session, ApiError> {
        let token = presented_token(parts, kind).ok_or_else(ApiError::unauthorized)?;
        let hash = hash_token(&token);
        let session = self
            .store
            .session(&hash)
            .await?
            .filter(|s| s.kind == kind)
            .ok_or_else(ApiError::unauthorized)?;
        let now = self.now();
        if now >= session.idle_expires_at || now >= session.absolute_expires_at {
            self.store.delete_session(&hash).await?;
            return Err(ApiError::key(
                axum::http::StatusCode::UNAUTHORIZED,
                "api-session-expired",
            ));
        }
        let idle = match kind {
            SessionKind::Applicant => self.settings.sessions.applicant_idle_minutes,
            SessionKind::Officer => self.settings.sessions.officer_idle_minutes,
        };
        let mut session = session;
        if session.stage == SessionStage::Full {
            let next = (now + Duration::minutes(idle)).min(session.absolute_expires_at);
            self.store.touch_session(&hash, now, next).await?;
            session.idle_expires_at = next;
        }
        Ok(session)
    }
}

/// A logged-in applicant.
#[derive(Clone, Debug)]
pub struct ApplicantAuth {
    pub applicant: ApplicantId,
    pub token_hash: String,
    /// When the session ends unless used again (moved on by this request).
    pub idle_expires_at: chrono::DateTime<chrono::Utc>,
}

impl FromRequestParts<AppState> for ApplicantAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let s = state.live_session(parts, SessionKind::Applicant).await?;
        Ok(ApplicantAuth {
            applicant: ApplicantId(s.subject_id),
            token_hash: s.token_hash,
            idle_expires_at: s.idle_expires_at,
        })
    }
}

/// An officer who passed the password step but not yet the second factor.
#[derive(Clone, Debug)]
pub struct PendingOfficer {
    pub officer: OfficerId,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for PendingOfficer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let s = state.live_session(parts, SessionKind::Officer).await?;
        if s.stage != SessionStage::TotpPending {
            return Err(ApiError::unauthorized());
        }
        Ok(PendingOfficer {
            officer: OfficerId(s.subject_id),
            token_hash: s.token_hash,
        })
    }
}

/// A fully logged-in officer and their role.
#[derive(Clone, Debug)]
pub struct OfficerAuth {
    pub officer: Officer,
    pub role: Actor,
    pub token_hash: String,
}

impl OfficerAuth {
    /// Refuses officers whose role is not among `roles` (403).
    pub fn require(&self, roles: &[Actor]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The roles that work on applications (the three administrators of 三员分立 do not).
pub const CASEWORK_ROLES: &[Actor] = &[
    Actor::Reviewer,
    Actor::Supervisor,
    Actor::ProductionOperator,
    Actor::DispatchClerk,
];

impl FromRequestParts<AppState> for OfficerAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let s = state.live_session(parts, SessionKind::Officer).await?;
        if s.stage != SessionStage::Full {
            return Err(ApiError::unauthorized());
        }
        let officer = state.store.officer(OfficerId(s.subject_id)).await?;
        if !officer.active {
            return Err(ApiError::unauthorized());
        }
        let role = Actor::from_code(&officer.role)
            .filter(|a| a.is_officer())
            .ok_or_else(ApiError::forbidden)?;
        Ok(OfficerAuth {
            officer,
            role,
            token_hash: s.token_hash,
        })
    }
}
