//! One application for an officer: the four files with their checks and overlays, the
//! registry's facts, the history, personal data masked with an audited reveal, and the
//! casework forms the state machine allows for the officer's role.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::{CorrectionReason, CorrectionSubject, EventKind, RejectionReason};

use super::lists::{Done, Opt, Work, render_work};
use super::{Nav, gate, nav};
use crate::api::officer::{CaseworkBody, CorrectionItemBody, officer_detail, perform};
use crate::app::AppState;
use crate::auth::{CASEWORK_ROLES, OfficerAuth};
use crate::error::{ApiError, ApiPath, Lang};
use crate::form::{Delivery, SLOTS};
use crate::web::CsrfOnly;
use crate::web::{FieldError, T, check_csrf, csrf, page};

/// A fresh idempotency key for a casework form.
pub(crate) fn idem_key() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// The confirmation after a step, by the step's page name.
pub(crate) async fn banner(
    state: &AppState,
    locale: Locale,
    done: Option<&str>,
    number: Option<&str>,
) -> Option<String> {
    let key = match done? {
        "claim" => "office-done-claim",
        "release" => "office-done-release",
        "request-correction" => "office-done-request-correction",
        "approve" => "office-done-approve",
        "reject" => "office-done-reject",
        "produced" => "office-done-produced",
        "dispatch" => "office-done-dispatch",
        "send-to-hall" => "office-done-send-to-hall",
        "collected" => "office-done-collected",
        _ => return None,
    };
    let number = number.unwrap_or_default();
    let mut waybill = String::new();
    if key == "office-done-dispatch"
        && let Ok(n) = wangban_core::application_number::ApplicationNumber::parse(number)
        && let Ok(Some(loaded)) = state.load(&n.to_string()).await
    {
        waybill = loaded.app.tracking_number().unwrap_or_default().to_owned();
    }
    Some(
        Message::new(key)
            .with("number", number)
            .with("waybill", waybill)
            .render(locale),
    )
}

pub(crate) struct CheckRow {
    code: String,
    verdict: String,
    verdict_class: &'static str,
    message: String,
    measured: String,
    threshold: String,
}

pub(crate) struct FileCard {
    slot: &'static str,
    label: String,
    present: bool,
    overlay: bool,
    overall: String,
    overall_class: &'static str,
    checks: Vec<CheckRow>,
    judgement: Option<String>,
}

pub(crate) struct DocRow {
    kind: String,
    number: String,
    issued: String,
    expires: String,
    status: String,
}

pub(crate) struct Registry {
    available: bool,
    district: String,
    functionary: String,
    military: String,
    fingerprints: String,
    documents: Vec<DocRow>,
}

pub(crate) struct HistRow {
    at: String,
    event: String,
    actor: String,
}

pub(crate) struct SubjectRow {
    code: &'static str,
    label: String,
    reasons: Vec<Opt>,
}

/// What the officer typed, kept when a step is refused.
#[derive(Default)]
pub(crate) struct Kept {
    note: String,
    reason: String,
    document_number: String,
    items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "office_application.html")]
struct CasePage {
    t: T,
    path: String,
    csrf: String,
    nav: Nav,
    errors: Vec<FieldError>,
    banner: Option<String>,
    number: String,
    kind: String,
    reason: String,
    state_code: String,
    state: String,
    version: i64,
    idem: String,
    revealed: bool,
    name: String,
    id_number: String,
    phone: String,
    pinyin: String,
    delivery: String,
    address: String,
    claimed: String,
    clocks: Vec<String>,
    files: Vec<FileCard>,
    registry: Registry,
    history: Vec<HistRow>,
    correction: Vec<String>,
    correction_note: String,
    document_number: String,
    tracking_number: String,
    can_claim: bool,
    can_release: bool,
    can_correct: bool,
    can_approve: bool,
    can_reject: bool,
    can_produce: bool,
    can_dispatch: bool,
    can_send_to_hall: bool,
    can_collect: bool,
    subjects: Vec<SubjectRow>,
    rejections: Vec<Opt>,
    kept: Kept,
}

fn yes_no(t: &T, v: Option<bool>) -> String {
    match v {
        Some(true) => t.t("office-yes"),
        Some(false) => t.t("office-no"),
        None => String::new(),
    }
}

fn verdict(t: &T, v: &str) -> (String, &'static str) {
    match v {
        "pass" => (t.t("office-verdict-pass"), "verdict-pass"),
        "officer" => (t.t("office-verdict-officer"), "verdict-officer"),
        "advisory" => (t.t("office-verdict-advisory"), "verdict-advisory"),
        _ => (t.t("office-verdict-fail"), "verdict-fail"),
    }
}

/// A check's measurements as "name value unit; …".
fn measured(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|m| match (m["name"].as_str(), m["value"].as_f64()) {
                (Some(name), Some(value)) => format!(
                    "{name} {} {}",
                    (value * 1000.0).round() / 1000.0,
                    m["unit"].as_str().unwrap_or_default()
                )
                .trim_end()
                .to_owned(),
                _ => m.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn date_of(v: &Value, locale: Locale) -> String {
    v.as_str()
        .and_then(|s| s.parse::<chrono::NaiveDate>().ok())
        .map(|d| wangban_core::i18n::format_date(d, locale))
        .unwrap_or_default()
}

/// The application page, with a banner, errors and kept input as the case may be.
#[allow(clippy::too_many_arguments)]
async fn render_case(
    state: &AppState,
    officer: &OfficerAuth,
    locale: Locale,
    headers: &HeaderMap,
    number: &str,
    reveal: bool,
    banner: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    kept: Kept,
) -> Result<Response, ApiError> {
    let d = match officer_detail(state, officer, number, reveal, locale).await {
        Ok(d) => d,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            return Ok(super::not_found(officer, locale, headers));
        }
        Err(e) => return Err(e),
    };
    let t = T(locale);
    let a = &d.application;
    let files = SLOTS
        .iter()
        .map(|slot| {
            let label = CorrectionSubject::from_code(slot)
                .map(|s| s.label().render(locale))
                .unwrap_or_default();
            match a.uploads.iter().find(|u| u.slot == *slot) {
                Some(u) => {
                    let (overall, overall_class) = verdict(&t, &u.overall);
                    FileCard {
                        slot,
                        label,
                        present: true,
                        overlay: u.overlay,
                        overall,
                        overall_class,
                        checks: u
                            .checks
                            .iter()
                            .map(|c| {
                                let (v, class) = verdict(&t, &c.verdict);
                                CheckRow {
                                    code: c.code.clone(),
                                    verdict: v,
                                    verdict_class: class,
                                    message: c.message.clone(),
                                    measured: measured(&c.measured),
                                    threshold: c.threshold.clone(),
                                }
                            })
                            .collect(),
                        judgement: u.judgement_requested.clone(),
                    }
                }
                None => FileCard {
                    slot,
                    label,
                    present: false,
                    overlay: false,
                    overall: String::new(),
                    overall_class: "",
                    checks: vec![],
                    judgement: None,
                },
            }
        })
        .collect();
    let r = &d.registry;
    let registry = Registry {
        available: r.is_object() && r.get("error").is_none(),
        district: r["hukou_district"].as_str().unwrap_or_default().to_owned(),
        functionary: yes_no(&t, r["state_functionary"].as_bool()),
        military: yes_no(&t, r["active_military"].as_bool()),
        fingerprints: yes_no(&t, r["fingerprints_on_file"].as_bool()),
        documents: r["documents"]
            .as_array()
            .map(|docs| {
                docs.iter()
                    .map(|doc| DocRow {
                        kind: doc["kind"]
                            .as_str()
                            .and_then(|k| k.parse::<wangban_core::document::DocumentKind>().ok())
                            .map(|k| k.label().render(locale))
                            .unwrap_or_default(),
                        number: doc["number"].as_str().unwrap_or_default().to_owned(),
                        issued: date_of(&doc["issued_on"], locale),
                        expires: date_of(&doc["expires_on"], locale),
                        status: match doc["status"].as_str() {
                            Some("valid") => t.t("office-document-valid"),
                            Some("reported_lost") => t.t("office-document-reported-lost"),
                            Some("cancelled") => t.t("office-document-cancelled"),
                            other => other.unwrap_or_default().to_owned(),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let history = d
        .history
        .iter()
        .map(|h| HistRow {
            at: wangban_core::time::format_local(h.at),
            event: h.event_label.clone(),
            actor: h.actor_label.clone(),
        })
        .collect();
    let (delivery, address) = match &a.form.delivery {
        Some(Delivery::Mail { address }) => (
            wangban_core::state::DeliveryMethod::Mail
                .label()
                .render(locale),
            if reveal {
                format!(
                    "{} {} {}{}{}{} {}",
                    address.recipient,
                    address.phone,
                    address.province,
                    address.city,
                    address.district,
                    address.street,
                    address.postcode.clone().unwrap_or_default()
                )
            } else {
                t.t("office-masked")
            },
        ),
        Some(other) => (other.method().label().render(locale), String::new()),
        None => (String::new(), String::new()),
    };
    let pinyin = if reveal {
        format!(
            "{} {}",
            a.form.pinyin_surname.clone().unwrap_or_default(),
            a.form.pinyin_given.clone().unwrap_or_default()
        )
    } else {
        t.t("office-masked")
    };
    let claimed = match d.claimed_by {
        Some(id) if id == officer.officer.id.0 => t.t("office-claimed-by-you"),
        Some(id) => {
            let name = state
                .store
                .officer(wangban_store::OfficerId(id))
                .await
                .map(|o| o.display_name)
                .unwrap_or_default();
            Message::new("office-claimed-by")
                .with("name", name)
                .render(locale)
        }
        None => String::new(),
    };
    let has = |code: &str| d.actions.iter().any(|a| a == code);
    let subjects = CorrectionSubject::ALL
        .iter()
        .map(|s| {
            let chosen = kept
                .items
                .iter()
                .find(|(k, _)| k == s.code())
                .map(|(_, v)| v.clone());
            SubjectRow {
                code: s.code(),
                label: s.label().render(locale),
                reasons: CorrectionReason::ALL
                    .iter()
                    .map(|r| Opt {
                        value: r.code().to_owned(),
                        label: r.label().render(locale),
                        selected: chosen.as_deref() == Some(r.code()),
                    })
                    .collect(),
            }
        })
        .collect();
    let rejections = RejectionReason::ALL
        .iter()
        .map(|r| Opt {
            value: r.code().to_owned(),
            label: r.label().render(locale),
            selected: kept.reason == r.code(),
        })
        .collect();
    let (csrf, set) = csrf(headers);
    let p = CasePage {
        path: format!("/officer/applications/{}", a.number),
        csrf,
        nav: nav(officer, locale, ""),
        errors,
        banner,
        number: a.number.clone(),
        kind: a.kind_label.clone(),
        reason: a.reason_label.clone(),
        state_code: a.state.clone(),
        state: a.state_label.clone(),
        version: a.version,
        idem: idem_key(),
        revealed: d.revealed,
        name: d.applicant_name.clone(),
        id_number: d.applicant_id_number.clone(),
        phone: d.applicant_phone.clone(),
        pinyin,
        delivery,
        address,
        claimed,
        clocks: a.clocks.iter().map(|c| c.text.clone()).collect(),
        files,
        registry,
        history,
        correction: a
            .correction
            .as_ref()
            .map(|c| {
                c.items
                    .iter()
                    .map(|i| format!("{}: {}", i.subject_label, i.reason_label))
                    .collect()
            })
            .unwrap_or_default(),
        correction_note: a
            .correction
            .as_ref()
            .and_then(|c| c.note.clone())
            .unwrap_or_default(),
        document_number: a.document_number.clone().unwrap_or_default(),
        tracking_number: a.tracking_number.clone().unwrap_or_default(),
        can_claim: has(EventKind::Claim.code()),
        can_release: has(EventKind::Release.code()),
        can_correct: has(EventKind::RequestCorrection.code()),
        can_approve: has(EventKind::Approve.code()),
        can_reject: has(EventKind::Reject.code()),
        can_produce: has(EventKind::Produced.code()),
        can_dispatch: has(EventKind::Dispatch.code()),
        can_send_to_hall: has(EventKind::SendToHall.code()),
        can_collect: has(EventKind::Collected.code()),
        subjects,
        rejections,
        kept,
        t,
    };
    Ok(page(status, p.render(), set))
}

/// The application page (masked; the look is audited by the shared detail logic).
pub async fn view(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    q: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let officer = match gate(auth, CASEWORK_ROLES, locale, &headers, "/officer") {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    let q = q.map(|q| q.0).unwrap_or_default();
    let banner = banner(&state, locale, q.done.as_deref(), Some(&number)).await;
    render_case(
        &state,
        &officer,
        locale,
        &headers,
        &number,
        false,
        banner,
        vec![],
        StatusCode::OK,
        Kept::default(),
    )
    .await
}

/// Shows the personal data in full; the look is audited with `revealed: true`.
pub async fn reveal(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    let officer = match gate(auth, CASEWORK_ROLES, locale, &headers, "/officer") {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    render_case(
        &state,
        &officer,
        locale,
        &headers,
        &number,
        true,
        None,
        vec![],
        StatusCode::OK,
        Kept::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct FileVariant {
    variant: Option<String>,
}

/// One file of the application for the page's images (the audited officer file view).
pub async fn file(
    State(state): State<AppState>,
    auth: Result<OfficerAuth, ApiError>,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    q: Result<Query<FileVariant>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Ok(officer) = auth else {
        return Ok(Redirect::to("/officer/login").into_response());
    };
    let q = q.map(|q| q.0).unwrap_or_default();
    crate::api::officer::officer_file(&state, &officer, &number, &slot, q.variant.as_deref()).await
}

/// A casework step from a form: CSRF, then the shared step with the version the officer saw
/// and an idempotency key (a resent form runs once), then back with a confirmation, or the
/// same page with the reason it was refused.
pub async fn act(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<OfficerAuth, ApiError>,
    ApiPath((number, action)): ApiPath<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    check_csrf(&headers, &field("csrf"))?;
    let officer = match gate(auth, CASEWORK_ROLES, locale, &headers, "/officer") {
        Ok(o) => o,
        Err(r) => return Ok(*r),
    };
    // The role before anything else, as the API does: a step the role may never take is a
    // 403 whatever the form says and whether or not the application exists.
    match crate::api::officer::step_event(&action) {
        None => return Ok(super::not_found(&officer, locale, &headers)),
        Some(step) if !crate::api::officer::may_take(officer.role, step) => {
            return Ok(super::forbidden(&officer, locale, &headers, "/officer"));
        }
        Some(_) => {}
    }
    let items: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("item-")
                .filter(|_| !v.trim().is_empty())
                .map(|s| (s.to_owned(), v.trim().to_owned()))
        })
        .collect();
    let kept = Kept {
        note: field("note"),
        reason: field("reason"),
        document_number: field("document_number"),
        items: items.clone(),
    };
    let back = Work::from_back(&field("back"));
    let t = T(locale);
    // Checks that only a form needs (the API takes these as given).
    let refusal = match action.as_str() {
        "request-correction" if items.is_empty() => Some(("items", t.t("office-correction-none"))),
        "reject" if kept.reason.is_empty() => Some(("reason", t.t("office-reject-no-reason"))),
        "produced" if kept.document_number.is_empty() => {
            Some(("document_number", t.t("office-produced-no-number")))
        }
        "collected" if field("id_checked").is_empty() => {
            Some(("id_checked", t.t("office-pickup-check-id")))
        }
        _ => None,
    };
    let result = match refusal {
        Some((f, message)) => Err((f, message, StatusCode::UNPROCESSABLE_ENTITY)),
        None => {
            let body = CaseworkBody {
                items: items
                    .iter()
                    .map(|(s, r)| CorrectionItemBody {
                        subject: s.clone(),
                        reason: r.clone(),
                    })
                    .collect(),
                note: Some(kept.note.clone()).filter(|n| !n.is_empty()),
                reason: Some(kept.reason.clone()).filter(|n| !n.is_empty()),
                document_number: Some(kept.document_number.clone()).filter(|n| !n.is_empty()),
            };
            let version = field("version").parse::<i64>().ok();
            let key = Some(field("idem")).filter(|k| {
                !k.is_empty() && k.len() <= 100 && k.bytes().all(|b| (0x21..0x7f).contains(&b))
            });
            let request = json!({
                "number": number, "action": action, "items": kept.items, "note": kept.note,
                "reason": kept.reason, "document_number": kept.document_number,
            });
            let scope = format!("officer-page:{}", officer.officer.id.0);
            let run = || async {
                perform(&state, &officer, &number, &action, body, version).await?;
                Ok((StatusCode::OK, json!({ "number": number })))
            };
            let again = |_| async { Ok((StatusCode::OK, json!({ "number": number }))) };
            let ran =
                crate::idempotency::idempotent(&state, scope, key, &request, run, again).await;
            ran.map(|_| ()).map_err(|e| {
                let stale = e.status == StatusCode::CONFLICT
                    && (e
                        .detail
                        .as_ref()
                        .is_some_and(|d| d["reason"] == "stale_version")
                        || e.message.key == "api-conflict");
                let message = if stale {
                    t.t("office-stale")
                } else {
                    e.message.render(locale)
                };
                (error_field(&action), message, e.status)
            })
        }
    };
    match result {
        Ok(()) => {
            let canonical = wangban_core::application_number::ApplicationNumber::parse(&number)
                .map(|n| n.to_string())
                .unwrap_or(number.clone());
            let to = match back {
                Some(Work::Production) => {
                    format!("/officer/production?done={action}&number={canonical}")
                }
                Some(Work::Dispatch) => {
                    format!("/officer/dispatch?done={action}&number={canonical}")
                }
                Some(Work::Pickup) => format!("/officer/pickup?done={action}&number={canonical}"),
                None => format!("/officer/applications/{canonical}?done={action}"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err((f, message, status)) => {
            // On a list the fields carry the row's number: point to the list itself.
            let field = back.map(Work::table_id).unwrap_or(f);
            let errors = vec![FieldError { field, message }];
            match back {
                Some(which) => {
                    render_work(
                        &state, &officer, locale, &headers, which, None, errors, status,
                    )
                    .await
                }
                None => {
                    render_case(
                        &state, &officer, locale, &headers, &number, false, None, errors, status,
                        kept,
                    )
                    .await
                }
            }
        }
    }
}

/// The form field an action's error points to (its submit button when it has no field).
fn error_field(action: &str) -> &'static str {
    match action {
        "claim" => "submit-claim",
        "release" => "submit-release",
        "request-correction" => "note",
        "approve" => "submit-approve",
        "reject" => "reason",
        "produced" => "document_number",
        "dispatch" => "submit-dispatch",
        "send-to-hall" => "submit-send-to-hall",
        "collected" => "submit-collected",
        _ => "main",
    }
}
