//! What the API shows of an application, rendered in the caller's language, with personal
//! data masked unless the viewer needs it.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use wangban_core::clock::ClockKind;
use wangban_core::eligibility::{Report, Verdict};
use wangban_core::i18n::{Locale, Localize};
use wangban_core::state::{Actor, EventKind};

use crate::api::uploads::UploadView;
use crate::app::AppState;
use crate::form::{ApplicationForm, SLOTS};
use crate::service::Loaded;

pub fn mask_phone(p: &str) -> String {
    match wangban_core::phone::MobileNumber::parse(p) {
        Ok(m) => m.masked(),
        Err(_) => "***".into(),
    }
}

pub fn mask_name(n: &str) -> String {
    match wangban_core::name::PersonName::parse(n) {
        Ok(m) => m.masked(),
        Err(_) => "*".into(),
    }
}

pub fn mask_id(id: &str) -> String {
    if id.len() == 18 && id.is_ascii() {
        format!("{}{}{}", &id[..4], "*".repeat(10), &id[14..])
    } else {
        "******".into()
    }
}

/// One rule's verdict, in words.
#[derive(Serialize, ToSchema)]
pub struct RuleView {
    pub rule: String,
    pub code: String,
    /// pass | fail | not_applicable
    pub verdict: String,
    pub explanation: String,
    pub way_forward: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityView {
    pub eligible: bool,
    pub kind: String,
    pub reason: String,
    pub checked_on: chrono::NaiveDate,
    /// Every rule, failed ones with the way forward.
    pub rules: Vec<RuleView>,
    /// When the answer is no: the reception halls of the person's hukou district (none listed
    /// outside the pilot city).
    pub halls: Vec<crate::api::guide::HallView>,
}

pub fn eligibility_view(
    report: &Report,
    halls: &wangban_core::halls::HallDirectory,
    locale: Locale,
) -> EligibilityView {
    EligibilityView {
        halls: if report.eligible {
            Vec::new()
        } else {
            halls
                .in_district(report.hukou_district)
                .map(|h| crate::api::guide::hall_view(h, locale))
                .collect()
        },
        eligible: report.eligible,
        kind: report.request.kind.code().into(),
        reason: report.request.reason.code().into(),
        checked_on: report.checked_on,
        rules: report
            .outcomes
            .iter()
            .map(|o| RuleView {
                rule: serde_json::to_value(o.rule)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                code: o.code.into(),
                verdict: match o.verdict {
                    Verdict::Pass => "pass",
                    Verdict::Fail => "fail",
                    Verdict::NotApplicable => "not_applicable",
                }
                .into(),
                explanation: o.explanation.render(locale),
                way_forward: o.way_forward.as_ref().map(|m| m.render(locale)),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClockView {
    /// review | correction | payment | production
    pub clock: String,
    /// The reading in words ("Review: working day 2 of 7 …").
    pub text: String,
    /// The full reading (status, elapsed, remaining, due date, overdue…).
    #[schema(value_type = Object)]
    pub reading: Value,
}

#[derive(Serialize, ToSchema)]
pub struct CorrectionItemView {
    pub subject: String,
    pub subject_label: String,
    pub reason: String,
    pub reason_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct CorrectionView {
    pub items: Vec<CorrectionItemView>,
    pub note: Option<String>,
    pub requested_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub merchant_order_no: String,
    pub amount_fen: u64,
    pub status: String,
    pub pay_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    /// The application number, e.g. WB-7K3M-9Q2HX.
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub reason: String,
    pub reason_label: String,
    pub state: String,
    pub state_label: String,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub form: ApplicationForm,
    pub uploads: Vec<UploadView>,
    /// Answers and files still missing before submitting.
    pub missing: Vec<String>,
    /// Files that failed a check and block submission (replace them, or ask for an
    /// officer's judgement).
    pub blocked: Vec<String>,
    pub clocks: Vec<ClockView>,
    /// What the applicant can do now.
    pub actions: Vec<String>,
    pub correction: Option<CorrectionView>,
    pub fee_fen: Option<u64>,
    pub payments: Vec<PaymentView>,
    pub document_number: Option<String>,
    pub tracking_number: Option<String>,
}

pub async fn application_view(
    state: &AppState,
    loaded: &Loaded,
    actor: Actor,
    locale: Locale,
) -> Result<ApplicationView, crate::error::ApiError> {
    let app = &loaded.app;
    let uploads = state.store.uploads(loaded.row.id).await?;
    let form = loaded.form();
    let mut missing: Vec<String> = form.missing().into_iter().map(str::to_owned).collect();
    for slot in SLOTS {
        if !uploads.iter().any(|u| u.slot == slot) {
            missing.push(slot.to_owned());
        }
    }
    // Files asked to be judged by an officer come first.
    let mut uploads = uploads;
    uploads.sort_by_key(|u| (u.judgement_requested.is_none(), u.slot.clone()));
    let blocked: Vec<String> = uploads
        .iter()
        .filter(|u| UploadView::blocks(u))
        .map(|u| u.slot.clone())
        .collect();
    let now = state.now();
    let clocks = ClockKind::ALL
        .into_iter()
        .filter(|k| app.clock(*k).started_at().is_some())
        .filter_map(|k| {
            let reading = app
                .clock(k)
                .reading(k.default_budget(), now, &state.calendar)
                .ok()?;
            Some(ClockView {
                clock: k.code().into(),
                text: reading.localize(locale),
                reading: serde_json::to_value(&reading).unwrap_or(Value::Null),
            })
        })
        .collect();
    let kind: wangban_core::document::DocumentKind = loaded
        .row
        .kind
        .parse()
        .unwrap_or(wangban_core::document::DocumentKind::Passport);
    let reason: wangban_core::document::Reason = loaded
        .row
        .reason
        .parse()
        .unwrap_or(wangban_core::document::Reason::Damaged);
    let payments = state
        .store
        .payments_of(loaded.row.id)
        .await?
        .into_iter()
        .map(|p| PaymentView {
            merchant_order_no: p.merchant_order_no,
            amount_fen: p.amount_fen,
            status: p.status,
            pay_url: p.pay_url,
        })
        .collect();
    let correction = app.correction_request().map(|c| CorrectionView {
        items: c
            .items
            .iter()
            .map(|i| CorrectionItemView {
                subject: i.subject.code().into(),
                subject_label: i.subject.label().render(locale),
                reason: i.reason.code().into(),
                reason_label: i.reason.label().render(locale),
            })
            .collect(),
        note: c.note.clone(),
        requested_at: c.at,
    });
    let actions = app
        .available_events(actor)
        .into_iter()
        .map(|e: EventKind| e.code().to_owned())
        .collect();
    Ok(ApplicationView {
        number: loaded.row.number.clone(),
        kind: kind.code().into(),
        kind_label: kind.label().render(locale),
        reason: reason.code().into(),
        reason_label: reason.label().render(locale),
        state: app.state().code().into(),
        state_label: app.state().label().render(locale),
        version: loaded.row.version,
        created_at: loaded.row.created_at,
        updated_at: loaded.row.updated_at,
        form,
        uploads: uploads
            .iter()
            .map(|u| UploadView::from_row(u, locale))
            .collect(),
        missing,
        blocked,
        clocks,
        actions,
        correction,
        fee_fen: app.fee_fen(),
        payments,
        document_number: app.document_number().map(str::to_owned),
        tracking_number: app.tracking_number().map(str::to_owned),
    })
}
