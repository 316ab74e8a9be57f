//! What each server fuzz target does with one input: the request bodies the API and the pages
//! take (JSON, urlencoded forms, query strings), through the same axum extractors the handlers
//! use, then the checks of the applicant's answers; and the configuration (a TOML file and
//! `WANGBAN_*` variables). Shared by the cargo-fuzz targets (`fuzz_targets/*.rs`) and the
//! stable smoke fuzz test (`tests/it/fuzz.rs`), which include this file with `#[path]`. Every
//! function must return normally for every input: a panic is a finding.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::{Form, FromRequest, Query};
use axum::http::{Request, Uri, header};
use serde::de::DeserializeOwned;
use wangban_core::i18n::{Locale, has_key};
use wangban_server::Settings;
use wangban_server::api::applications::CreateApplication;
use wangban_server::api::audit::AuditQuery;
use wangban_server::api::auth::{CodeRequest, LoginRequest};
use wangban_server::api::dashboard::DashboardQuery;
use wangban_server::api::eligibility::{EligibilityQuery, parse_request};
use wangban_server::api::guide::HallsQuery;
use wangban_server::api::officer::{CaseworkBody, DetailQuery, OfficerLogin, QueueQuery, TotpCode};
use wangban_server::api::sim::OutboxQuery;
use wangban_server::api::uploads::{FileQuery, JudgementRequest};
use wangban_server::error::{ApiError, ApiJson, OptionalJson};
use wangban_server::form::{ApplicationForm, Delivery, FormUpdate};
use wangban_server::web::CsrfOnly;
use wangban_server::web::applicant::{
    CodeForm, CsrfForm, DeliveryForm, DetailsForm, ExtendForm, JudgementForm, PhoneForm, StartForm,
    SubmitForm,
};
use wangban_server::web::officer::{DashboardForm, LoginForm, QueueForm, TotpForm};

fn block_on<F: Future>(f: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
    }
    RT.with(|rt| rt.block_on(f))
}

fn post(content_type: &str, body: &[u8]) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
        .expect("a request")
}

/// A refusal is a 4xx that explains itself through the catalogue.
fn refused(e: &ApiError) {
    assert!(e.status.is_client_error(), "{}", e.status);
    assert!(
        has_key(e.message.key),
        "no catalogue text for {}",
        e.message.key
    );
    for l in [Locale::ZhCn, Locale::En] {
        assert!(!e.message.render(l).is_empty());
    }
}

/// A JSON body as the API reads it ([`ApiJson`]).
fn json<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    match block_on(ApiJson::<T>::from_request(
        post("application/json", body),
        &(),
    )) {
        Ok(ApiJson(v)) => Some(v),
        Err(e) => {
            refused(&e);
            None
        }
    }
}

/// A page form as the pages read it (axum's `Form`).
fn form<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    block_on(Form::<T>::from_request(
        post("application/x-www-form-urlencoded", body),
        &(),
    ))
    .ok()
    .map(|Form(v)| v)
}

/// A query string as the API and the pages read it (axum's `Query`).
fn query<T: DeserializeOwned>(uri: Option<&Uri>) -> Option<T> {
    Query::<T>::try_from_uri(uri?).ok().map(|Query(v)| v)
}

/// The answers after a change the checks accepted: normalised, and the same when applied again.
fn answers_hold(form: &ApplicationForm) {
    if let (Some(s), Some(g)) = (&form.pinyin_surname, &form.pinyin_given) {
        assert!(
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase()),
            "{s:?}"
        );
        assert!(!g.is_empty() && g.bytes().all(|b| b.is_ascii_uppercase() || b == b' '));
    }
    if let Some(p) = &form.contact_phone {
        assert!(
            p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()),
            "{p:?}"
        );
    }
    if let Some(Delivery::Mail { address }) = &form.delivery {
        for (v, max) in [
            (&address.recipient, 30),
            (&address.province, 20),
            (&address.city, 20),
            (&address.district, 20),
            (&address.street, 120),
        ] {
            assert!(!v.is_empty() && v.trim() == v, "{v:?}");
            assert!(v.chars().count() <= max);
            assert!(
                !v.chars().any(wangban_core::text::is_invisible_or_combining),
                "{v:?}"
            );
            assert!(
                !v.chars()
                    .any(|c| matches!(c as u32, 0xFF01..=0xFF5E | 0x3000))
            );
        }
        assert!(address.phone.len() == 11 && address.phone.bytes().all(|b| b.is_ascii_digit()));
        if let Some(p) = &address.postcode {
            assert!(
                p.len() == 6 && p.bytes().all(|b| b.is_ascii_digit()),
                "{p:?}"
            );
        }
    }
    let again = form
        .apply(FormUpdate {
            pinyin_surname: form.pinyin_surname.clone(),
            pinyin_given: form.pinyin_given.clone(),
            contact_phone: form.contact_phone.clone(),
            delivery: form.delivery.clone(),
        })
        .expect("accepted answers are accepted again");
    assert_eq!(
        serde_json::to_value(&again).expect("answers serialise"),
        serde_json::to_value(form).expect("answers serialise")
    );
    // The stored JSON reads back.
    let stored = serde_json::to_vec(form).expect("answers serialise");
    let back: ApplicationForm = serde_json::from_slice(&stored).expect("stored answers read back");
    assert_eq!(
        serde_json::to_value(&back).expect("answers serialise"),
        serde_json::to_value(form).expect("answers serialise")
    );
}

fn apply(update: FormUpdate) {
    match ApplicationForm::default().apply(update) {
        Ok(form) => answers_hold(&form),
        Err(e) => refused(&e),
    }
}

/// One body through every extractor and type that takes it: the API's JSON bodies, the pages'
/// urlencoded forms, and the same bytes as a query string. The applicant's answers (the JSON
/// change, the delivery page's form) then go through the checks of `ApplicationForm::apply`.
pub fn form_bodies(data: &[u8]) {
    if let Some(update) = json::<FormUpdate>(data) {
        apply(update);
    }
    let _ = json::<CreateApplication>(data);
    let _ = json::<OfficerLogin>(data);
    let _ = json::<TotpCode>(data);
    let _ = json::<CodeRequest>(data);
    let _ = json::<LoginRequest>(data);
    let _ = json::<JudgementRequest>(data);
    match block_on(OptionalJson::<CaseworkBody>::from_request(
        post("application/json", data),
        &(),
    )) {
        Ok(_) => {}
        Err(e) => refused(&e),
    }
    // Pages.
    if let Some(f) = form::<DeliveryForm>(data)
        && let Some(delivery) = f.delivery()
    {
        apply(FormUpdate {
            delivery: Some(delivery),
            ..Default::default()
        });
    }
    let _ = form::<DetailsForm>(data);
    let _ = form::<StartForm>(data);
    let _ = form::<JudgementForm>(data);
    let _ = form::<SubmitForm>(data);
    let _ = form::<CsrfForm>(data);
    let _ = form::<ExtendForm>(data);
    let _ = form::<PhoneForm>(data);
    let _ = form::<CodeForm>(data);
    let _ = form::<CsrfOnly>(data);
    let _ = form::<LoginForm>(data);
    let _ = form::<TotpForm>(data);
    // The officer's casework form is read as pairs.
    if let Some(fields) = form::<Vec<(String, String)>>(data) {
        for (k, v) in &fields {
            let _ = (k.strip_prefix("item-"), v.trim().parse::<i64>());
        }
    }
    // Query strings.
    let uri = Uri::try_from(format!("/?{}", String::from_utf8_lossy(data))).ok();
    let uri = uri.as_ref();
    if let Some(q) = query::<EligibilityQuery>(uri)
        && let Err(e) = parse_request(&q.kind, &q.reason)
    {
        refused(&e);
    }
    let _ = query::<HallsQuery>(uri);
    let _ = query::<QueueQuery>(uri);
    let _ = query::<DetailQuery>(uri);
    let _ = query::<FileQuery>(uri);
    let _ = query::<AuditQuery>(uri);
    let _ = query::<DashboardQuery>(uri);
    let _ = query::<OutboxQuery>(uri);
    let _ = query::<QueueForm>(uri);
    let _ = query::<DashboardForm>(uri);
}

/// The input's lines that start with `WANGBAN_` and hold `=` are environment variables; the
/// other lines are the configuration file. What loads writes back as TOML that loads to the
/// same settings, and starts: its document number patterns compile, its public URL, reception
/// halls and calendar load or are refused with a reason (files named in it are not read).
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut file = String::new();
    let mut env = Vec::new();
    for line in text.lines() {
        match line.split_once('=') {
            Some((k, v)) if k.starts_with("WANGBAN_") => env.push((k.to_owned(), v.to_owned())),
            _ => {
                file.push_str(line);
                file.push('\n');
            }
        }
    }
    let table = file.parse::<toml::Table>().unwrap_or_default();
    let mut settings = match Settings::from_table_and_env(table, env) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let written = toml::to_string(&settings).expect("loaded settings write as TOML");
    let table = written
        .parse::<toml::Table>()
        .expect("written settings parse as TOML");
    let again = Settings::from_table_and_env(table, Vec::new())
        .unwrap_or_else(|e| panic!("written settings load again: {e}\n{written}"));
    assert_eq!(
        toml::to_string(&again).expect("loaded settings write as TOML"),
        written
    );
    let _ = settings.public_url();
    settings.halls.file = None;
    if let Err(e) = settings.load_halls() {
        assert!(!e.to_string().is_empty());
    }
    settings.calendar.dir = None;
    settings
        .load_calendar()
        .expect("the built-in calendar loads");
}
