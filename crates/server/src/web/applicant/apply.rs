//! The application itself, as pages: start, task list, your details, the four files, delivery,
//! check your answers, submit, confirmation, status (clocks, timeline, correction, payment,
//! tracking, withdraw). Every step calls the JSON API's shared functions.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use wangban_core::i18n::{Locale, Message};
use wangban_core::state::{Actor, State as Stage};

use super::super::{FieldError, T, check_csrf, csrf, page};
use crate::api::applications::{
    CreateApplication, create_draft, ensure_editable, own, send_correction, submit_application,
    timeline_entries, update_answers, withdraw_application,
};
use crate::api::uploads::{UploadView, ask_judgement, file_response, store_upload};
use crate::api::views::{ApplicationView, application_view};
use crate::app::AppState;
use crate::auth::ApplicantAuth;
use crate::error::{ApiError, ApiPath, Lang};
use crate::form::{Delivery, FormUpdate, PostalAddress, SLOTS};
use crate::routes::{Access, Routes};
use crate::service::Loaded;

/// Minutes before the idle timeout at which `session.js` warns (the page tells the script).
pub const SESSION_WARN_MINUTES: i64 = 5;

pub fn routes() -> Routes {
    use Access::*;
    Routes::new()
        .post("/applications/new", Applicant, start)
        .get("/applications/{number}", Owner, overview)
        .get("/applications/{number}/details", Owner, details_form)
        .post("/applications/{number}/details", Owner, details_save)
        .get("/applications/{number}/delivery", Owner, delivery_form)
        .post("/applications/{number}/delivery", Owner, delivery_save)
        .get("/applications/{number}/files/{slot}", Owner, upload_form)
        .post("/applications/{number}/files/{slot}", Owner, upload_save)
        .get("/applications/{number}/files/{slot}/image", Owner, image)
        .post(
            "/applications/{number}/files/{slot}/judgement",
            Owner,
            judgement,
        )
        .get("/applications/{number}/check", Owner, check)
        .post("/applications/{number}/submit", Owner, submit)
        .get("/applications/{number}/confirmation", Owner, confirmation)
        .post("/applications/{number}/correction", Owner, correction)
        .post("/applications/{number}/withdraw", Owner, withdraw)
        .post("/applications/{number}/payment", Owner, payment)
}

fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

fn to_app(number: &str) -> Response {
    Redirect::to(&format!("/applications/{number}")).into_response()
}

fn new_key() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 18]>())
}

fn t(locale: Locale, key: &'static str) -> String {
    Message::new(key).render(locale)
}

/// What the session-timeout script needs, and the note shown without it.
pub struct Sess {
    pub expires: String,
    /// Seconds until the idle timeout by the server's clock (the browser's may differ).
    pub remaining: i64,
    pub warn_minutes: i64,
    pub note: String,
}

pub fn sess(state: &AppState, auth: &ApplicantAuth, locale: Locale) -> Sess {
    let idle = state.settings.sessions.applicant_idle_minutes;
    Sess {
        expires: auth
            .idle_expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        remaining: (auth.idle_expires_at - state.now()).num_seconds().max(0),
        warn_minutes: SESSION_WARN_MINUTES.min(idle / 2).max(1),
        note: Message::new("apply-session-note")
            .with("minutes", idle)
            .render(locale),
    }
}

fn slot_label(slot: &str, locale: Locale) -> String {
    match slot {
        "id_photo" => t(locale, "apply-slot-id_photo"),
        "signature" => t(locale, "apply-slot-signature"),
        "id_card_front" => t(locale, "apply-slot-id_card_front"),
        _ => t(locale, "apply-slot-id_card_back"),
    }
}

fn slot_hint(slot: &str, locale: Locale) -> String {
    match slot {
        "id_photo" => t(locale, "apply-slot-id_photo-hint"),
        "signature" => t(locale, "apply-slot-signature-hint"),
        "id_card_front" => t(locale, "apply-slot-id_card_front-hint"),
        _ => t(locale, "apply-slot-id_card_back-hint"),
    }
}

/// Amount in yuan, as each language writes it.
fn money(fen: u64, locale: Locale) -> String {
    Message::new("apply-amount")
        .with("yuan", format!("{}.{:02}", fen / 100, fen % 100))
        .render(locale)
}

/// A file's state on the task list and its page: code (for the CSS class) and words.
fn file_state(view: Option<&UploadView>, redo: bool, locale: Locale) -> (&'static str, String) {
    let code = match view {
        None => "not-started",
        Some(_) if redo => "retake",
        Some(u) if u.overall == "fail" && u.judgement_requested.is_none() => "retake",
        Some(u) if u.judgement_requested.is_some() || u.overall == "officer" => "judgement",
        Some(_) => "passed",
    };
    let key = match code {
        "not-started" => "apply-tag-not-started",
        "retake" => "apply-tag-retake",
        "judgement" => "apply-tag-judgement",
        _ => "apply-tag-passed",
    };
    (code, t(locale, key))
}

/// The files an open correction request asks to be uploaded again (and not yet replaced).
fn files_to_redo(loaded: &Loaded, view: &ApplicationView) -> Vec<String> {
    let Some(request) = loaded.app.correction_request() else {
        return vec![];
    };
    request
        .items
        .iter()
        .map(|i| i.subject.code())
        .filter(|s| SLOTS.contains(s))
        .filter(|s| {
            !view
                .uploads
                .iter()
                .any(|u| u.slot == *s && u.uploaded_at > request.at)
        })
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Start

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    idempotency_key: String,
}

/// Creates the draft (once per key) and goes to its task list; when not eligible, back to the
/// eligibility result that says why.
async fn start(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    Form(form): Form<StartForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &form.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let key = Some(form.idempotency_key.clone()).filter(|k| !k.is_empty() && k.len() <= 100);
    let body = CreateApplication {
        kind: form.kind.clone(),
        reason: form.reason.clone(),
    };
    match create_draft(&state, &auth, key, body, locale).await {
        Ok((_, body)) => match body.0["number"].as_str() {
            Some(n) => Ok(to_app(n)),
            None => Err(ApiError::internal()),
        },
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let code =
                |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            let to = if code(&form.kind) && code(&form.reason) {
                format!("/eligibility?kind={}&reason={}", form.kind, form.reason)
            } else {
                "/eligibility".into()
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Task list and status

struct Task {
    id: String,
    href: String,
    label: String,
    tag_code: &'static str,
    tag: String,
}

#[derive(Template)]
#[template(path = "apply_tasks.html")]
struct TasksPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    number: String,
    kind: String,
    details: Task,
    files: Vec<Task>,
    delivery: Task,
    check: Task,
    can_withdraw: bool,
}

struct Row {
    at: String,
    event: String,
    actor: String,
}

struct Fix {
    id: String,
    subject: String,
    reason: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "apply_status.html")]
struct StatusPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    errors: Vec<FieldError>,
    number: String,
    kind: String,
    state_code: String,
    state_label: String,
    state_words: String,
    clocks: Vec<String>,
    timeline: Vec<Row>,
    fixes: Vec<Fix>,
    correction_note: Option<String>,
    correcting: bool,
    paying: bool,
    fee: Option<String>,
    pay_by: Option<String>,
    paid: Option<String>,
    payment_pending: bool,
    idempotency_key: String,
    tracking_number: Option<String>,
    pickup_hall: Option<String>,
    can_withdraw: bool,
}

/// The task list while a draft; afterwards the status page.
async fn overview(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = own(&state, &auth, &number).await?;
    let (csrf, set) = csrf(&headers);
    if loaded.app.state() == Stage::Draft {
        let p = tasks_page(&state, &auth, &loaded, locale, csrf).await?;
        return Ok(page(StatusCode::OK, p.render(), set));
    }
    let p = status_page(&state, &auth, &loaded, locale, csrf, vec![]).await?;
    Ok(page(StatusCode::OK, p.render(), set))
}

async fn tasks_page(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    locale: Locale,
    csrf: String,
) -> Result<TasksPage, ApiError> {
    let view = application_view(state, loaded, Actor::Applicant, locale).await?;
    let n = &view.number;
    let done = |yes: bool| {
        if yes {
            ("completed", t(locale, "apply-tag-completed"))
        } else {
            ("not-started", t(locale, "apply-tag-not-started"))
        }
    };
    let (code, tag) = done(view.form.pinyin_surname.is_some() && view.form.pinyin_given.is_some());
    let details = Task {
        id: "details".into(),
        href: format!("/applications/{n}/details"),
        label: t(locale, "apply-task-details"),
        tag_code: code,
        tag,
    };
    let files = SLOTS
        .iter()
        .map(|slot| {
            let (tag_code, tag) =
                file_state(view.uploads.iter().find(|u| u.slot == *slot), false, locale);
            Task {
                id: (*slot).into(),
                href: format!("/applications/{n}/files/{slot}"),
                label: slot_label(slot, locale),
                tag_code,
                tag,
            }
        })
        .collect();
    let (code, tag) = done(view.form.delivery.is_some());
    let delivery = Task {
        id: "delivery".into(),
        href: format!("/applications/{n}/delivery"),
        label: t(locale, "apply-task-delivery"),
        tag_code: code,
        tag,
    };
    let ready = view.missing.is_empty() && view.blocked.is_empty();
    let check = Task {
        id: "check".into(),
        href: format!("/applications/{n}/check"),
        label: t(locale, "apply-task-check"),
        tag_code: if ready { "not-started" } else { "cannot-start" },
        tag: t(
            locale,
            if ready {
                "apply-tag-not-started"
            } else {
                "apply-tag-cannot-start"
            },
        ),
    };
    Ok(TasksPage {
        t: T(locale),
        path: format!("/applications/{n}"),
        csrf,
        s: sess(state, auth, locale),
        number: n.clone(),
        kind: view.kind_label.clone(),
        details,
        files,
        delivery,
        check,
        can_withdraw: view.actions.iter().any(|a| a == "withdraw"),
    })
}

fn fix_href(number: &str, subject: &str) -> Option<String> {
    match subject {
        s if SLOTS.contains(&s) => Some(format!("/applications/{number}/files/{s}")),
        "name_pinyin" | "phone" => Some(format!("/applications/{number}/details")),
        "address" => Some(format!("/applications/{number}/delivery")),
        _ => None,
    }
}

async fn status_page(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    locale: Locale,
    csrf: String,
    errors: Vec<FieldError>,
) -> Result<StatusPage, ApiError> {
    let view = application_view(state, loaded, Actor::Applicant, locale).await?;
    let n = view.number.clone();
    let stage = loaded.app.state();
    let words_key = match stage {
        Stage::Draft => "apply-words-draft",
        Stage::Submitted | Stage::UnderReview => "apply-words-review",
        Stage::CorrectionRequested => "apply-words-correction",
        Stage::AwaitingPayment => "apply-words-payment",
        Stage::InProduction => "apply-words-production",
        Stage::Produced => "apply-words-produced",
        Stage::Dispatched => "apply-words-dispatched",
        Stage::ReadyForPickup => "apply-words-pickup",
        Stage::Delivered => "apply-words-delivered",
        Stage::Collected => "apply-words-collected",
        Stage::Withdrawn => "apply-words-withdrawn",
        Stage::Rejected => "apply-words-rejected",
    };
    let pay_by = view
        .clocks
        .iter()
        .find(|c| c.clock == "payment")
        .filter(|_| stage == Stage::AwaitingPayment)
        .and_then(|c| {
            c.reading
                .get("due")?
                .as_str()?
                .parse::<chrono::NaiveDate>()
                .ok()
        })
        .map(|d| {
            Message::new("apply-pay-by")
                .with("date", wangban_core::i18n::format_date(d, locale))
                .render(locale)
        });
    // From the log, as the state is: the payments table, read later, may already hold a
    // payment whose state change this page's reading of the log does not.
    let paid = loaded.app.payment().map(|p| {
        Message::new("apply-paid")
            .with("amount", money(p.amount_fen, locale))
            .render(locale)
    });
    let fixes = view
        .correction
        .as_ref()
        .filter(|_| stage == Stage::CorrectionRequested)
        .map(|c| {
            c.items
                .iter()
                .map(|i| Fix {
                    id: format!("fix-{}", i.subject),
                    subject: i.subject_label.clone(),
                    reason: i.reason_label.clone(),
                    href: fix_href(&n, &i.subject),
                })
                .collect()
        })
        .unwrap_or_default();
    let timeline = timeline_entries(loaded, locale)
        .into_iter()
        .map(|e| Row {
            at: wangban_core::time::format_local(e.at),
            event: e.event_label,
            actor: e.actor_label,
        })
        .collect();
    let pickup_hall = (stage == Stage::ReadyForPickup)
        .then(|| crate::web::guide::pickup_hall_text(&state.halls, loaded.district(), locale));
    Ok(StatusPage {
        t: T(locale),
        path: format!("/applications/{n}"),
        csrf,
        s: sess(state, auth, locale),
        errors,
        number: n.clone(),
        kind: view.kind_label.clone(),
        state_code: view.state.clone(),
        state_label: view.state_label.clone(),
        state_words: t(locale, words_key),
        clocks: view.clocks.iter().map(|c| c.text.clone()).collect(),
        timeline,
        correction_note: view
            .correction
            .as_ref()
            .filter(|_| stage == Stage::CorrectionRequested)
            .and_then(|c| c.note.clone()),
        fixes,
        correcting: stage == Stage::CorrectionRequested,
        paying: stage == Stage::AwaitingPayment,
        fee: view.fee_fen.map(|f| money(f, locale)),
        pay_by,
        paid,
        payment_pending: view.payments.iter().any(|p| p.status == "pending"),
        idempotency_key: new_key(),
        tracking_number: view.tracking_number.clone(),
        pickup_hall,
        can_withdraw: view.actions.iter().any(|a| a == "withdraw"),
    })
}

// ---------------------------------------------------------------------------------------------
// Your details

#[derive(Template)]
#[template(path = "apply_details.html")]
struct DetailsPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    errors: Vec<FieldError>,
    number: String,
    pinyin_surname: String,
    pinyin_given: String,
    contact_phone: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_of(q: Option<&str>) -> String {
    match q {
        Some("check") => "check".into(),
        _ => String::new(),
    }
}

fn after_save(number: &str, next: &str) -> Response {
    if next == "check" {
        Redirect::to(&format!("/applications/{number}/check")).into_response()
    } else {
        to_app(number)
    }
}

/// Loads an application the applicant may still change, or says where to go instead.
async fn editable(
    state: &AppState,
    auth: &ApplicantAuth,
    number: &str,
) -> Result<Result<Loaded, Response>, ApiError> {
    let loaded = own(state, auth, number).await?;
    if ensure_editable(&loaded).is_err() {
        return Ok(Err(to_app(&loaded.row.number)));
    }
    Ok(Ok(loaded))
}

async fn details_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let form = loaded.form();
    let (csrf, set) = csrf(&headers);
    let n = loaded.row.number.clone();
    let p = DetailsPage {
        t: T(locale),
        path: format!("/applications/{n}/details"),
        csrf,
        s: sess(&state, &auth, locale),
        errors: vec![],
        number: n,
        pinyin_surname: form.pinyin_surname.unwrap_or_default(),
        pinyin_given: form.pinyin_given.unwrap_or_default(),
        contact_phone: form.contact_phone.unwrap_or_default(),
        next: next_of(q.next.as_deref()),
    };
    Ok(page(StatusCode::OK, p.render(), set))
}

#[derive(Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pinyin_surname: String,
    #[serde(default)]
    pinyin_given: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    next: String,
}

/// Saves the details; every field's error in place, the input kept, nothing saved.
async fn details_save(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<DetailsForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let current = loaded.form();
    let mut errors = vec![];
    let names = FormUpdate {
        pinyin_surname: Some(f.pinyin_surname.clone()),
        pinyin_given: Some(f.pinyin_given.clone()),
        ..Default::default()
    };
    if f.pinyin_surname.trim().is_empty() {
        errors.push(FieldError {
            field: "pinyin_surname",
            message: t(locale, "apply-error-surname"),
        });
    }
    if f.pinyin_given.trim().is_empty() {
        errors.push(FieldError {
            field: "pinyin_given",
            message: t(locale, "apply-error-given"),
        });
    }
    if errors.is_empty()
        && let Err(e) = current.apply(names)
    {
        errors.push(FieldError {
            field: "pinyin_surname",
            message: e.message.render(locale),
        });
    }
    let phone = f.contact_phone.trim();
    if !phone.is_empty()
        && let Err(e) = current.apply(FormUpdate {
            contact_phone: Some(phone.to_owned()),
            ..Default::default()
        })
    {
        errors.push(FieldError {
            field: "contact_phone",
            message: e.message.render(locale),
        });
    }
    if errors.is_empty() {
        let update = FormUpdate {
            pinyin_surname: Some(f.pinyin_surname.clone()),
            pinyin_given: Some(f.pinyin_given.clone()),
            contact_phone: (!phone.is_empty()).then(|| phone.to_owned()),
            delivery: None,
        };
        match update_answers(&state, &auth, &number, update).await {
            Ok(l) => return Ok(after_save(&l.row.number, &f.next)),
            Err(e) => errors.push(FieldError {
                field: "pinyin_surname",
                message: e.message.render(locale),
            }),
        }
    }
    let (csrf, _) = csrf(&headers);
    let n = loaded.row.number.clone();
    let p = DetailsPage {
        t: T(locale),
        path: format!("/applications/{n}/details"),
        csrf,
        s: sess(&state, &auth, locale),
        errors,
        number: n,
        pinyin_surname: f.pinyin_surname,
        pinyin_given: f.pinyin_given,
        contact_phone: f.contact_phone,
        next: next_of(Some(&f.next)),
    };
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, p.render(), None))
}

// ---------------------------------------------------------------------------------------------
// Delivery

#[derive(Deserialize, Default)]
pub struct DeliveryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    address_phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    next: String,
}

impl DeliveryForm {
    /// The delivery the form asks for, not yet checked (`None` when no method was chosen).
    pub fn delivery(&self) -> Option<Delivery> {
        match self.method.as_str() {
            "pickup" => Some(Delivery::Pickup),
            "mail" => Some(Delivery::Mail {
                address: PostalAddress {
                    recipient: self.recipient.clone(),
                    phone: self.address_phone.clone(),
                    province: self.province.clone(),
                    city: self.city.clone(),
                    district: self.district.clone(),
                    street: self.street.clone(),
                    postcode: Some(self.postcode.clone()),
                },
            }),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "apply_delivery.html")]
struct DeliveryPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    errors: Vec<FieldError>,
    number: String,
    hall: String,
    fields: Vec<AddrField>,
    f: DeliveryForm,
}

struct AddrField {
    name: &'static str,
    label: String,
    autocomplete: &'static str,
    value: String,
    error: Option<String>,
}

impl DeliveryPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn delivery_page(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    locale: Locale,
    csrf: String,
    errors: Vec<FieldError>,
    f: DeliveryForm,
) -> DeliveryPage {
    let n = loaded.row.number.clone();
    let err = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let fields = [
        ("recipient", "apply-address-recipient", "name", &f.recipient),
        (
            "address_phone",
            "apply-address-phone",
            "tel",
            &f.address_phone,
        ),
        (
            "province",
            "apply-address-province",
            "address-level1",
            &f.province,
        ),
        ("city", "apply-address-city", "address-level2", &f.city),
        (
            "district",
            "apply-address-district",
            "address-level3",
            &f.district,
        ),
        (
            "street",
            "apply-address-street",
            "street-address",
            &f.street,
        ),
        (
            "postcode",
            "apply-address-postcode",
            "postal-code",
            &f.postcode,
        ),
    ]
    .into_iter()
    .map(|(name, key, autocomplete, value)| AddrField {
        name,
        label: t(locale, key),
        autocomplete,
        value: value.clone(),
        error: err(name),
    })
    .collect();
    DeliveryPage {
        t: T(locale),
        path: format!("/applications/{n}/delivery"),
        csrf,
        s: sess(state, auth, locale),
        errors,
        number: n,
        hall: crate::web::guide::pickup_hall_text(&state.halls, loaded.district(), locale),
        fields,
        f,
    }
}

async fn delivery_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let mut f = DeliveryForm {
        next: next_of(q.next.as_deref()),
        ..Default::default()
    };
    match loaded.form().delivery {
        Some(Delivery::Pickup) => f.method = "pickup".into(),
        Some(Delivery::Mail { address }) => {
            f.method = "mail".into();
            f.recipient = address.recipient;
            f.address_phone = address.phone;
            f.province = address.province;
            f.city = address.city;
            f.district = address.district;
            f.street = address.street;
            f.postcode = address.postcode.unwrap_or_default();
        }
        None => {}
    }
    let (csrf, set) = csrf(&headers);
    let p = delivery_page(&state, &auth, &loaded, locale, csrf, vec![], f);
    Ok(page(StatusCode::OK, p.render(), set))
}

fn address_field(detail: Option<&serde_json::Value>) -> &'static str {
    match detail.and_then(|d| d["field"].as_str()) {
        Some("address.phone") => "address_phone",
        Some("address.province") => "province",
        Some("address.city") => "city",
        Some("address.district") => "district",
        Some("address.street") => "street",
        Some("address.postcode") => "postcode",
        _ => "recipient",
    }
}

async fn delivery_save(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<DeliveryForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let delivery = f.delivery();
    let mut errors = vec![];
    match delivery {
        None => errors.push(FieldError {
            field: "method-mail",
            message: t(locale, "apply-error-method"),
        }),
        Some(d) => {
            let update = FormUpdate {
                delivery: Some(d),
                ..Default::default()
            };
            match loaded.form().apply(update.clone()) {
                Err(e) => errors.push(FieldError {
                    field: address_field(e.detail.as_ref()),
                    message: e.message.render(locale),
                }),
                Ok(_) => match update_answers(&state, &auth, &number, update).await {
                    Ok(l) => return Ok(after_save(&l.row.number, &f.next)),
                    Err(e) => errors.push(FieldError {
                        field: "method-mail",
                        message: e.message.render(locale),
                    }),
                },
            }
        }
    }
    let (csrf, _) = csrf(&headers);
    let p = delivery_page(&state, &auth, &loaded, locale, csrf, errors, f);
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, p.render(), None))
}

// ---------------------------------------------------------------------------------------------
// The four files

struct CheckRow {
    verdict_code: String,
    verdict: String,
    message: String,
}

#[derive(Template)]
#[template(path = "apply_upload.html")]
struct UploadPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    errors: Vec<FieldError>,
    number: String,
    slot: String,
    label: String,
    hint: String,
    file_hint: String,
    uploaded: bool,
    tag_code: &'static str,
    tag: String,
    checks: Vec<CheckRow>,
    overlay: bool,
    normalised: bool,
    blocks: bool,
    judgement_requested: Option<String>,
    explanation: String,
}

async fn upload_page(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    slot: &str,
    locale: Locale,
    csrf: String,
    errors: Vec<FieldError>,
) -> Result<UploadPage, ApiError> {
    let view = application_view(state, loaded, Actor::Applicant, locale).await?;
    let redo = files_to_redo(loaded, &view).iter().any(|s| s == slot);
    let upload = view.uploads.iter().find(|u| u.slot == slot);
    let (tag_code, tag) = file_state(upload, redo, locale);
    let rank = |v: &str| match v {
        "fail" => 0,
        "officer" => 1,
        "advisory" => 2,
        _ => 3,
    };
    let mut checks: Vec<CheckRow> = upload
        .map(|u| {
            u.checks
                .iter()
                .map(|c| CheckRow {
                    verdict_code: c.verdict.clone(),
                    verdict: t(
                        locale,
                        match c.verdict.as_str() {
                            "fail" => "apply-verdict-fail",
                            "officer" => "apply-verdict-officer",
                            "advisory" => "apply-verdict-advisory",
                            _ => "apply-verdict-pass",
                        },
                    ),
                    message: c.message.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    checks.sort_by_key(|c| rank(&c.verdict_code));
    let n = view.number.clone();
    Ok(UploadPage {
        t: T(locale),
        path: format!("/applications/{n}/files/{slot}"),
        csrf,
        s: sess(state, auth, locale),
        errors,
        number: n,
        slot: slot.to_owned(),
        label: slot_label(slot, locale),
        hint: slot_hint(slot, locale),
        file_hint: Message::new("apply-file-hint")
            .with(
                "mb",
                (state.settings.uploads.max_bytes / (1024 * 1024)) as i64,
            )
            .render(locale),
        uploaded: upload.is_some(),
        tag_code,
        tag,
        checks,
        overlay: upload.is_some_and(|u| u.overlay),
        normalised: upload.is_some_and(|u| u.normalised),
        blocks: upload.is_some_and(|u| u.overall == "fail" && u.judgement_requested.is_none()),
        judgement_requested: upload.and_then(|u| u.judgement_requested.clone()),
        explanation: String::new(),
    })
}

async fn upload_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath((number, slot)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    if !SLOTS.contains(&slot.as_str()) {
        return Err(ApiError::not_found());
    }
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let (csrf, set) = csrf(&headers);
    let p = upload_page(&state, &auth, &loaded, &slot, locale, csrf, vec![]).await?;
    Ok(page(StatusCode::OK, p.render(), set))
}

/// Takes the file (multipart: `csrf` first, then `file`), runs the checks and shows them; a
/// refused file is explained on the same page and nothing is stored.
async fn upload_save(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let bad = || ApiError::key(StatusCode::BAD_REQUEST, "api-bad-multipart");
    let mut sent_csrf = String::new();
    let mut file: Result<bytes::Bytes, ApiError> = Err(ApiError::key(
        StatusCode::UNPROCESSABLE_ENTITY,
        "api-empty-file",
    ));
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) if !sent_csrf.is_empty() => {
                file = Err(ApiError::key(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "api-too-large",
                ));
                break;
            }
            Err(_) => return Err(bad()),
        };
        match field.name().unwrap_or("") {
            "csrf" => sent_csrf = field.text().await.map_err(|_| bad())?,
            "file" => {
                file = match field.bytes().await {
                    Ok(b) => Ok(b),
                    Err(_) => Err(ApiError::key(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "api-too-large",
                    )),
                };
                if file.is_err() {
                    break;
                }
            }
            _ => return Err(bad()),
        }
    }
    check_csrf(&headers, &sent_csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    if !SLOTS.contains(&slot.as_str()) {
        return Err(ApiError::not_found());
    }
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    let result = match file {
        Ok(bytes) => store_upload(&state, &auth, &number, &slot, bytes, locale)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/applications/{}/files/{slot}#check-results",
            loaded.row.number
        ))
        .into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let (csrf, _) = csrf(&headers);
            let errors = vec![FieldError {
                field: "file",
                message: e.message.render(locale),
            }];
            let p = upload_page(&state, &auth, &loaded, &slot, locale, csrf, errors).await?;
            Ok(page(e.status, p.render(), None))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ImageQuery {
    variant: Option<String>,
}

/// The bytes of one of the applicant's own files, for `<img>` on the pages.
async fn image(
    State(state): State<AppState>,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    Query(q): Query<ImageQuery>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = own(&state, &auth, &number).await?;
    file_response(&state, &loaded, &slot, q.variant.as_deref()).await
}

#[derive(Deserialize)]
pub struct JudgementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    explanation: String,
}

/// Asks an officer to judge a failed file, with the applicant's explanation.
async fn judgement(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath((number, slot)): ApiPath<(String, String)>,
    Form(f): Form<JudgementForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = match editable(&state, &auth, &number).await? {
        Ok(l) => l,
        Err(r) => return Ok(r),
    };
    match ask_judgement(&state, &auth, &number, &slot, &f.explanation, locale).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/applications/{}/files/{slot}", loaded.row.number))
                .into_response(),
        ),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let (csrf, _) = csrf(&headers);
            let message = if e.message.key == "api-field-invalid" {
                t(locale, "apply-error-explanation")
            } else {
                e.message.render(locale)
            };
            let errors = vec![FieldError {
                field: "explanation",
                message,
            }];
            let mut p = upload_page(&state, &auth, &loaded, &slot, locale, csrf, errors).await?;
            p.explanation = f.explanation;
            Ok(page(e.status, p.render(), None))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Check your answers, submit, confirmation

struct Answer {
    id: String,
    key: String,
    value: String,
    href: String,
}

#[derive(Template)]
#[template(path = "apply_check.html")]
struct CheckPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    errors: Vec<FieldError>,
    number: String,
    answers: Vec<Answer>,
    idempotency_key: String,
}

fn row_id(item: &str) -> &'static str {
    match item {
        "pinyin" => "row-pinyin",
        "delivery" => "row-delivery",
        "id_photo" => "row-id_photo",
        "signature" => "row-signature",
        "id_card_front" => "row-id_card_front",
        "id_card_back" => "row-id_card_back",
        _ => "submit-application",
    }
}

async fn check_page(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    locale: Locale,
    csrf: String,
    errors: Vec<FieldError>,
) -> Result<CheckPage, ApiError> {
    let view = application_view(state, loaded, Actor::Applicant, locale).await?;
    let n = view.number.clone();
    let form = &view.form;
    let none = || t(locale, "apply-not-given");
    let mut answers = vec![
        Answer {
            id: "pinyin".into(),
            key: t(locale, "apply-pinyin-name"),
            value: match (&form.pinyin_surname, &form.pinyin_given) {
                (Some(s), Some(g)) => format!("{s} {g}"),
                _ => none(),
            },
            href: format!("/applications/{n}/details?next=check"),
        },
        Answer {
            id: "contact_phone".into(),
            key: t(locale, "apply-contact-phone"),
            value: form
                .contact_phone
                .as_deref()
                .map(crate::api::views::mask_phone)
                .unwrap_or_else(none),
            href: format!("/applications/{n}/details?next=check"),
        },
    ];
    for slot in SLOTS {
        let (_, tag) = file_state(view.uploads.iter().find(|u| u.slot == slot), false, locale);
        answers.push(Answer {
            id: slot.into(),
            key: slot_label(slot, locale),
            value: tag,
            href: format!("/applications/{n}/files/{slot}"),
        });
    }
    answers.push(Answer {
        id: "delivery".into(),
        key: t(locale, "apply-task-delivery"),
        value: match &form.delivery {
            None => none(),
            Some(Delivery::Pickup) => match state.halls.pickup_hall(loaded.district()) {
                Some(h) => Message::new("halls-collect-at")
                    .with("hall", h.name(locale))
                    .render(locale),
                None => Message::new("apply-delivery-pickup-at")
                    .with("hall", loaded.district().describe(locale))
                    .render(locale),
            },
            Some(Delivery::Mail { address: a }) => Message::new("apply-delivery-mail-to")
                .with(
                    "address",
                    format!(
                        "{} {} {} {} {}",
                        a.recipient, a.province, a.city, a.district, a.street
                    ),
                )
                .render(locale),
        },
        href: format!("/applications/{n}/delivery?next=check"),
    });
    Ok(CheckPage {
        t: T(locale),
        path: format!("/applications/{n}/check"),
        csrf,
        s: sess(state, auth, locale),
        errors,
        number: n,
        answers,
        idempotency_key: new_key(),
    })
}

async fn check(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = own(&state, &auth, &number).await?;
    if loaded.app.state() != Stage::Draft {
        return Ok(to_app(&loaded.row.number));
    }
    let (csrf, set) = csrf(&headers);
    let p = check_page(&state, &auth, &loaded, locale, csrf, vec![]).await?;
    Ok(page(StatusCode::OK, p.render(), set))
}

#[derive(Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    idempotency_key: String,
}

/// The errors of a refused submission or correction, each linked to what to fix.
fn step_errors(e: &ApiError, locale: Locale, link: fn(&str) -> &'static str) -> Vec<FieldError> {
    let items: Vec<String> = e
        .detail
        .as_ref()
        .and_then(|d| d.get("missing").or_else(|| d.get("files")))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        return vec![FieldError {
            field: link(""),
            message: e.message.render(locale),
        }];
    }
    let key = match e.message.key {
        "api-incomplete" => "apply-error-missing",
        "api-upload-checks-failed" => "apply-error-blocked",
        _ => "apply-error-correction-file",
    };
    items
        .iter()
        .map(|i| FieldError {
            field: link(i),
            message: Message::new(key)
                .with(
                    "item",
                    match i.as_str() {
                        "pinyin" => t(locale, "apply-pinyin-name"),
                        "delivery" => t(locale, "apply-task-delivery"),
                        s => slot_label(s, locale),
                    },
                )
                .render(locale),
        })
        .collect()
}

async fn submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let key = Some(f.idempotency_key).filter(|k| !k.is_empty() && k.len() <= 100);
    match submit_application(&state, &auth, key, &number, locale).await {
        Ok((_, body)) => {
            let n = body.0["number"].as_str().unwrap_or(&number).to_owned();
            Ok(Redirect::to(&format!("/applications/{n}/confirmation")).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let loaded = own(&state, &auth, &number).await?;
            if loaded.app.state() != Stage::Draft {
                return Ok(to_app(&loaded.row.number));
            }
            let (csrf, _) = csrf(&headers);
            let errors = step_errors(&e, locale, row_id);
            let p = check_page(&state, &auth, &loaded, locale, csrf, errors).await?;
            Ok(page(e.status, p.render(), None))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "apply_confirmation.html")]
struct ConfirmationPage {
    t: T,
    path: String,
    csrf: String,
    s: Sess,
    number: String,
}

async fn confirmation(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = own(&state, &auth, &number).await?;
    if loaded.app.state() == Stage::Draft {
        return Ok(to_app(&loaded.row.number));
    }
    let (csrf, set) = csrf(&headers);
    let n = loaded.row.number.clone();
    let p = ConfirmationPage {
        t: T(locale),
        path: format!("/applications/{n}/confirmation"),
        csrf,
        s: sess(&state, &auth, locale),
        number: n,
    };
    Ok(page(StatusCode::OK, p.render(), set))
}

// ---------------------------------------------------------------------------------------------
// Correction, withdraw, payment

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    idempotency_key: String,
}

fn fix_id(item: &str) -> &'static str {
    match item {
        "id_photo" => "fix-id_photo",
        "signature" => "fix-signature",
        "id_card_front" => "fix-id_card_front",
        "id_card_back" => "fix-id_card_back",
        "delivery" => "fix-address",
        "pinyin" => "fix-name_pinyin",
        _ => "send-correction",
    }
}

/// Sends the corrected application back to review; what is still to fix is shown on the status
/// page.
async fn correction(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    match send_correction(&state, &auth, &number, locale).await {
        Ok(v) => Ok(to_app(&v.number)),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let loaded = own(&state, &auth, &number).await?;
            let errors = step_errors(&e, locale, fix_id);
            status_again(&state, &auth, &loaded, locale, &headers, e.status, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    match withdraw_application(&state, &auth, &number, locale).await {
        Ok(v) => Ok(to_app(&v.number)),
        Err(e) if e.status == StatusCode::CONFLICT || e.status == StatusCode::FORBIDDEN => {
            let loaded = own(&state, &auth, &number).await?;
            let errors = vec![FieldError {
                field: "withdraw",
                message: e.message.render(locale),
            }];
            status_again(&state, &auth, &loaded, locale, &headers, e.status, errors).await
        }
        Err(e) => Err(e),
    }
}

/// The status page again, with the errors of a step that was refused (correction, withdrawal,
/// payment), under the refusal's status code.
async fn status_again(
    state: &AppState,
    auth: &ApplicantAuth,
    loaded: &Loaded,
    locale: Locale,
    headers: &HeaderMap,
    status: StatusCode,
    errors: Vec<FieldError>,
) -> Result<Response, ApiError> {
    let (csrf, _) = csrf(headers);
    let p = status_page(state, auth, loaded, locale, csrf, errors).await?;
    Ok(page(status, p.render(), None))
}

/// Starts (or resumes) payment and sends the browser to the provider's page, which brings it
/// back to the status page.
async fn payment(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    auth: Result<ApplicantAuth, ApiError>,
    ApiPath(number): ApiPath<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    check_csrf(&headers, &f.csrf)?;
    let Ok(auth) = auth else {
        return Ok(to_login());
    };
    let loaded = own(&state, &auth, &number).await?;
    let n = loaded.row.number.clone();
    let key = Some(f.idempotency_key).filter(|k| !k.is_empty() && k.len() <= 100);
    let back = format!("{}/applications/{n}", state.settings.public_url());
    match crate::api::payments::start_payment(&state, &auth, key, &n, back).await {
        Ok((_, body)) => match body.0["pay_url"].as_str() {
            Some(url) => Ok(Redirect::to(url).into_response()),
            None => Err(ApiError::internal()),
        },
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let errors = vec![FieldError {
                field: "start-payment",
                message: e.message.render(locale),
            }];
            status_again(&state, &auth, &loaded, locale, &headers, e.status, errors).await
        }
        Err(e) => Err(e),
    }
}
