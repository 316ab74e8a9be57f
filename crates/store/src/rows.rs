//! The records the store reads and writes, and their typed ids.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::db::DbRow;

type Timestamp = DateTime<Utc>;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A resident who logged in with a mobile number.
    ApplicantId
);
id_type!(
    /// An officer account.
    OfficerId
);
id_type!(
    /// An application (internal; people see its application number).
    ApplicationId
);
id_type!(
    /// A background job.
    JobId
);

#[derive(Clone, Debug)]
pub struct Applicant {
    pub id: ApplicantId,
    pub phone: String,
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub verified_at: Option<Timestamp>,
    pub proofing_failures: u32,
    pub proofing_locked_until: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct OtpCode {
    pub code_hash: String,
    pub expires_at: Timestamp,
    pub attempts: u32,
}

#[derive(Clone, Debug)]
pub struct NewOfficer {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct Officer {
    pub id: OfficerId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: String,
    pub role: String,
    pub active: bool,
}

pub(crate) const OFFICER_COLUMNS: &str =
    "SELECT id, username, display_name, password_hash, totp_secret, role, active FROM officers";

pub(crate) fn officer_from_row(r: &DbRow) -> Officer {
    Officer {
        id: OfficerId(r.get(0)),
        username: r.get(1),
        display_name: r.get(2),
        password_hash: r.get(3),
        totp_secret: r.get(4),
        role: r.get(5),
        active: r.get::<i64, _>(6) != 0,
    }
}

/// Who a session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Applicant,
    Officer,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Applicant => "applicant",
            SessionKind::Officer => "officer",
        }
    }
}

impl FromStr for SessionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "applicant" => Ok(SessionKind::Applicant),
            "officer" => Ok(SessionKind::Officer),
            _ => Err(format!("session kind {s:?}")),
        }
    }
}

/// How far a login got: an officer's password is checked before the second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    Full,
    TotpPending,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::TotpPending => "totp_pending",
        }
    }
}

impl FromStr for SessionStage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(SessionStage::Full),
            "totp_pending" => Ok(SessionStage::TotpPending),
            _ => Err(format!("session stage {s:?}")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub token_hash: String,
    pub kind: SessionKind,
    pub subject_id: i64,
    pub stage: SessionStage,
    pub now: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub kind: SessionKind,
    pub subject_id: i64,
    pub stage: SessionStage,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewApplication {
    pub number: String,
    pub applicant: ApplicantId,
    pub kind: String,
    pub reason: String,
    pub state: String,
    pub form: String,
    pub hukou_district: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub number: String,
    pub applicant: ApplicantId,
    pub kind: String,
    pub reason: String,
    pub state: String,
    pub version: i64,
    pub form: String,
    pub claimed_by: Option<OfficerId>,
    pub hukou_district: String,
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub(crate) const APPLICATION_COLUMNS: &str = "SELECT id, number, applicant_id, kind, reason, state, \
     version, form, claimed_by, hukou_district, due_at, created_at, updated_at FROM applications";

pub(crate) fn application_from_row(r: &DbRow) -> Result<ApplicationRow, StoreError> {
    Ok(ApplicationRow {
        id: ApplicationId(r.try_get(0)?),
        number: r.try_get(1)?,
        applicant: ApplicantId(r.try_get(2)?),
        kind: r.try_get(3)?,
        reason: r.try_get(4)?,
        state: r.try_get(5)?,
        version: r.try_get(6)?,
        form: r.try_get(7)?,
        claimed_by: r.try_get::<Option<i64>, _>(8)?.map(OfficerId),
        hukou_district: r.try_get(9)?,
        due_at: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
    })
}

/// Which applications a queue shows.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub states: Vec<String>,
    pub kind: Option<String>,
    pub reason: Option<String>,
    pub district: Option<String>,
    /// Only applications where the applicant asked an officer to judge a failed check.
    pub judgement_requested: bool,
    pub limit: u32,
}

#[derive(Clone, Debug)]
pub struct ActionRow {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub officer: Option<OfficerId>,
    /// JSON of the core `Action`.
    pub action: String,
}

/// A payment confirmed by the action being committed.
#[derive(Clone, Debug)]
pub struct PaymentPaid {
    pub merchant_order_no: String,
    pub transaction_id: String,
    pub paid_at: Timestamp,
}

/// One accepted action and everything that goes with it.
#[derive(Clone, Debug)]
pub struct Commit {
    pub application: ApplicationId,
    pub expected_version: i64,
    pub at: Timestamp,
    pub new_state: String,
    /// The deadline of the clock now running (for the queue), if any.
    pub due_at: Option<Timestamp>,
    pub actor: String,
    pub officer: Option<OfficerId>,
    /// JSON of the core `Action`.
    pub action: String,
    /// New form JSON, when the action changes it.
    pub form: Option<String>,
    /// `Some(Some(officer))` to claim, `Some(None)` to release, `None` to leave as is.
    pub claimed_by: Option<Option<OfficerId>>,
    pub jobs: Vec<NewJob>,
    pub audit: Vec<NewAudit>,
    pub payment_paid: Option<PaymentPaid>,
    /// What the action adds to the public statistics (`wangban_core::stats::deltas`).
    pub stats: Vec<wangban_core::stats::StatsDelta>,
}

#[derive(Clone, Debug)]
pub struct UploadRow {
    pub application: ApplicationId,
    pub slot: String,
    pub blob_key: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: Timestamp,
    /// The checks' overall verdict: pass | officer | advisory | fail.
    pub overall: String,
    /// The checks' report (JSON).
    pub report: String,
    /// The normalised image the checks produced (the 354×472 photo, the cleaned signature).
    pub normalised_key: Option<String>,
    /// The visual feedback image.
    pub overlay_key: Option<String>,
    /// The applicant's explanation when asking an officer to judge a failed check.
    pub judgement_requested: Option<String>,
    pub judgement_requested_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewPayment {
    pub application: ApplicationId,
    pub merchant_order_no: String,
    pub provider_order_id: String,
    pub pay_url: String,
    pub amount_fen: u64,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct PaymentRow {
    pub application: ApplicationId,
    pub merchant_order_no: String,
    pub provider_order_id: String,
    pub pay_url: String,
    pub amount_fen: u64,
    pub status: String,
    pub transaction_id: Option<String>,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
}

pub(crate) const PAYMENT_COLUMNS: &str = "SELECT application_id, merchant_order_no, \
     provider_order_id, pay_url, amount_fen, status, transaction_id, created_at, paid_at FROM payments";

pub(crate) fn payment_from_row(r: &DbRow) -> PaymentRow {
    PaymentRow {
        application: ApplicationId(r.get(0)),
        merchant_order_no: r.get(1),
        provider_order_id: r.get(2),
        pay_url: r.get(3),
        amount_fen: r.get::<i64, _>(4) as u64,
        status: r.get(5),
        transaction_id: r.get(6),
        created_at: r.get(7),
        paid_at: r.get(8),
    }
}

#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    pub run_at: Timestamp,
    pub max_attempts: u32,
    /// At most one job per key ever (e.g. "reminder:<app>:<deadline>").
    pub dedupe_key: Option<String>,
}

/// A leased job.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// Including this one.
    pub attempts: u32,
    pub max_attempts: u32,
}

#[derive(Clone, Debug)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub run_at: Timestamp,
}

/// Who did something that the audit log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditActor {
    Applicant(ApplicantId),
    Officer(OfficerId),
    System,
    External,
}

impl AuditActor {
    pub(crate) fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            AuditActor::Applicant(a) => ("applicant", Some(a.0)),
            AuditActor::Officer(o) => ("officer", Some(o.0)),
            AuditActor::System => ("system", None),
            AuditActor::External => ("external", None),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewAudit {
    pub at: Timestamp,
    pub actor: AuditActor,
    pub action: String,
    pub application: Option<ApplicationId>,
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: Timestamp,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub application: Option<ApplicationId>,
    pub detail: String,
    /// The previous record's hash and this one's (hex, SM3; see `audit_chain`). `None` only
    /// for a row tampered with.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// Which audit records an auditor asks for ([`crate::Store::audit_page`]).
#[derive(Clone, Copy, Debug)]
pub struct AuditFilter {
    /// Only records with a smaller id (the next page of a newest-first listing).
    pub before: Option<i64>,
    pub application: Option<ApplicationId>,
    pub officer: Option<OfficerId>,
    pub limit: u32,
}
