//! Running the upload checks (`wangban-media`) on an uploaded file, and how their verdict is
//! kept and shown.
//!
//! The checks are CPU-bound, so they run on the blocking thread pool, never on the async
//! workers. A file that cannot be decoded as an image is refused outright (nothing stored); a
//! decodable image is stored with its verdict — a failed check blocks submission until the
//! applicant uploads a better file or asks an officer to judge it, with a written explanation.
//! The verdict is stored rendered in both languages, so that it reads the same later even if
//! the wording of a message changes.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wangban_core::i18n::{Locale, Localize};
use wangban_media::{FileKind, Report};

use crate::app::AppState;
use crate::error::ApiError;

/// Which checks a file slot gets.
pub fn slot_kind(slot: &str) -> Option<FileKind> {
    Some(match slot {
        "id_photo" => FileKind::Photo,
        "signature" => FileKind::Signature,
        "id_card_front" => FileKind::IdFront,
        "id_card_back" => FileKind::IdBack,
        _ => return None,
    })
}

/// A check as stored and shown.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckView {
    pub code: String,
    /// pass | officer | advisory | fail
    pub verdict: String,
    #[schema(value_type = Object)]
    pub measured: serde_json::Value,
    pub threshold: String,
    pub message_zh: String,
    pub message_en: String,
}

/// A file's stored verdict.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct StoredReport {
    pub overall: String,
    pub checks: Vec<CheckView>,
}

impl StoredReport {
    pub fn from_report(report: &Report) -> StoredReport {
        StoredReport {
            overall: verdict_code(report.overall).into(),
            checks: report
                .checks
                .iter()
                .map(|c| CheckView {
                    code: c.code.into(),
                    verdict: verdict_code(c.verdict).into(),
                    measured: serde_json::to_value(&c.measured).unwrap_or_default(),
                    threshold: c.threshold.clone(),
                    message_zh: c.render(Locale::ZhCn),
                    message_en: c.render(Locale::En),
                })
                .collect(),
        }
    }

    pub fn parse(json: &str) -> StoredReport {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// A check for the caller, in the caller's language.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CheckShown {
    pub code: String,
    /// pass | officer | advisory | fail
    pub verdict: String,
    #[schema(value_type = Object)]
    pub measured: serde_json::Value,
    pub threshold: String,
    pub message: String,
}

pub fn shown(report: &StoredReport, locale: Locale) -> Vec<CheckShown> {
    report
        .checks
        .iter()
        .map(|c| CheckShown {
            code: c.code.clone(),
            verdict: c.verdict.clone(),
            measured: c.measured.clone(),
            threshold: c.threshold.clone(),
            message: match locale {
                Locale::ZhCn => c.message_zh.clone(),
                Locale::En => c.message_en.clone(),
            },
        })
        .collect()
}

pub fn verdict_code(v: wangban_media::Verdict) -> &'static str {
    match v {
        wangban_media::Verdict::Pass => "pass",
        wangban_media::Verdict::Officer => "officer",
        wangban_media::Verdict::Advisory => "advisory",
        wangban_media::Verdict::Fail => "fail",
    }
}

/// Runs the checks for `kind` on `bytes` off the async threads. A file that is not a
/// decodable image is refused with the decoder's explanation.
pub async fn run(
    state: &AppState,
    kind: FileKind,
    bytes: bytes::Bytes,
) -> Result<Report, ApiError> {
    let settings = state.settings.media.clone();
    let today = state.today();
    // One check per core at a time: fifty checks at once each take fifty times as long and
    // spend the difference switching threads.
    let _turn = state
        .check_turns
        .acquire()
        .await
        .map_err(|_| ApiError::unavailable())?;
    let result = tokio::task::spawn_blocking(move || {
        wangban_media::check_upload(kind, &bytes, &settings, today)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "upload check panicked");
        ApiError::internal()
    })?;
    result.map_err(|e| {
        let status = if e.is_unsupported_format() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, e.message())
    })
}
