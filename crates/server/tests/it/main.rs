//! The server's integration tests: the real server on an ephemeral port, a fresh temporary data
//! folder per test, the built-in simulators, and a clock the tests move. One test binary, one
//! module per area.

mod abuse;
mod applicant_pages;
mod at_rest;
mod authz;
mod browser;
mod errors;
mod forms;
mod fuzz;
mod halls;
mod idempotency;
mod journeys;
mod officer_pages;
mod pages;
mod rules;
mod schemathesis;
mod statistics;
mod storage;
mod two_nodes;
mod uploads;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wangban_gateways::clock::{Clock, ManualClock};
use wangban_gateways::registry::{DemoCitizen, demo_citizen};
use wangban_server::{Running, Settings};

/// A running server for one test.
pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub running: Option<Running>,
    /// The PostgreSQL database of this test, when the suite runs on PostgreSQL
    /// (`WANGBAN_TEST_DATABASE=postgres`); dropped after the test.
    pub pg: Option<wangban_store::testing::PgTestDb>,
    _dir: tempfile::TempDir,
}

/// Whether this run of the suite is on PostgreSQL (`WANGBAN_TEST_DATABASE=postgres`; the
/// default is SQLite). `.ci/run` runs the whole suite both ways.
pub fn on_postgres() -> bool {
    std::env::var("WANGBAN_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A tiny but real JPEG (1×1 pixel) for uploads and live captures.
pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08,
    0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12,
    0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D, 0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20,
    0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1F, 0x27,
    0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xC4,
    0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x2A, 0x9F,
    0xFF, 0xD9,
];

/// Files that pass the automatic checks (the media crate's labelled fixtures).
pub const GOOD_PHOTO: &[u8] = include_bytes!("../../../media/fixtures/photo/astronaut-ok.jpg");
pub const OTHER_GOOD_PHOTO: &[u8] = include_bytes!("../../../media/fixtures/photo/hopper-ok.jpg");
pub const GREY_BACKGROUND_PHOTO: &[u8] =
    include_bytes!("../../../media/fixtures/photo/astronaut-bg-grey.jpg");
pub const GOOD_SIGNATURE: &[u8] = include_bytes!("../../../media/fixtures/signature/n0-ok.png");
pub const GOOD_ID_FRONT: &[u8] = include_bytes!("../../../media/fixtures/idcard/front-ok0.jpg");
pub const GOOD_ID_BACK: &[u8] = include_bytes!("../../../media/fixtures/idcard/back-ok0.jpg");

/// The passing file for each slot.
pub fn good_file(slot: &str) -> Vec<u8> {
    match slot {
        "id_photo" => GOOD_PHOTO,
        "signature" => GOOD_SIGNATURE,
        "id_card_front" => GOOD_ID_FRONT,
        "id_card_back" => GOOD_ID_BACK,
        _ => JPEG,
    }
    .to_vec()
}

/// A live capture large enough for the proofing simulator (a JPEG padded with a comment).
pub fn capture() -> Vec<u8> {
    let mut v = JPEG[..20].to_vec();
    // COM segment with padding, then the rest of the image.
    let pad = vec![b'x'; 4000];
    v.extend_from_slice(&[0xFF, 0xFE]);
    v.extend_from_slice(&((pad.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(&pad);
    v.extend_from_slice(&JPEG[20..]);
    v
}

/// The settings of a test server: data in `data`, fast workers, sessions that outlive the
/// days tests jump over, the sweeper left to the tests, payment notifications at once.
pub fn test_settings(data: &std::path::Path, public_url: &str) -> Settings {
    let mut settings = Settings {
        data: data.to_path_buf(),
        public_url: Some(public_url.to_owned()),
        ..Settings::default()
    };
    settings.workers.poll_ms = 20;
    // Tests jump days ahead; sessions expiring on the way are tested on their own.
    settings.sessions.applicant_idle_minutes = 60 * 24 * 60;
    settings.sessions.applicant_absolute_hours = 24 * 60;
    settings.sessions.officer_idle_minutes = 60 * 24 * 60;
    settings.sessions.officer_absolute_hours = 24 * 60;
    settings.workers.sweep_seconds = 3600; // tests call the sweeper themselves
    settings.simulators.payment.notify_delay_ms = 0;
    settings
}

/// The instant every test starts at: a Tuesday morning in Shanghai, inside the calendar data.
pub fn test_start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 3, 1, 0, 0).unwrap()
}

impl TestApp {
    /// A server running elsewhere (another process) at `base`, whose clock the caller keeps
    /// in step with `clock`.
    pub fn remote(base: String, clock: Arc<ManualClock>) -> TestApp {
        TestApp {
            base,
            clock,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            running: None,
            pg: None,
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(test_start()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = test_settings(dir.path(), &format!("http://{addr}"));
        let pg = if on_postgres() {
            let db = wangban_store::testing::PgTestDb::create()
                .await
                .expect("a PostgreSQL database for the test");
            settings.database = db.settings();
            Some(db)
        } else {
            None
        };
        configure(&mut settings);
        let state = wangban_server::build_state(settings, clock.clone())
            .await
            .expect("state");
        let running = wangban_server::start(state, listener)
            .await
            .expect("server");
        TestApp {
            base: format!("http://{addr}"),
            clock,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            running: Some(running),
            pg,
            _dir: dir,
        }
    }

    pub fn state(&self) -> &wangban_server::AppState {
        &self.running.as_ref().unwrap().state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        read(req.send().await.unwrap()).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        read(req.send().await.unwrap()).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self
            .http
            .patch(self.url(path))
            .json(&body)
            .bearer_auth(token);
        read(req.send().await.unwrap()).await
    }

    pub async fn upload(
        &self,
        token: &str,
        number: &str,
        slot: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let req = self
            .http
            .put(self.url(&format!("/api/v1/applications/{number}/files/{slot}")))
            .multipart(form)
            .bearer_auth(token);
        read(req.send().await.unwrap()).await
    }

    /// The last SMS text sent to `phone` (from the simulator's outbox, through the API).
    pub async fn last_sms(&self, phone: &str) -> Option<String> {
        let (_, v) = self
            .get(None, &format!("/api/v1/sim/sms?phone={phone}"))
            .await;
        v.as_array()?.last()?["text"].as_str().map(str::to_owned)
    }

    /// Waits (up to 10 s of wall time) for `check` to hold, letting the workers run.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..500 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    /// Moves the clock on by `step` until `check` holds (for work scheduled in the future:
    /// polling the production centre, the post).
    pub async fn advance_until<F, Fut>(&self, what: &str, step: chrono::Duration, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..300 {
            if check().await {
                return;
            }
            self.clock.advance(step);
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    /// Logs a demo citizen in with the SMS code and passes real-person authentication.
    pub async fn citizen_login(&self, key: &str) -> String {
        let c = demo_citizen(key).unwrap_or_else(|| panic!("no demo citizen {key}"));
        let token = self.otp_login(c.phone.as_str()).await;
        let (status, body) = self.verify_identity(&token, c).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Passing real-person authentication renews the session (a new token).
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn otp_login(&self, phone: &str) -> String {
        let (status, body) = self
            .post(None, "/api/v1/auth/otp", json!({ "phone": phone }))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        // Read the code from the SMS simulator's outbox, as a person reads their phone.
        let mut code = String::new();
        for _ in 0..500 {
            let (_, v) = self
                .get(None, &format!("/api/v1/sim/sms?phone={phone}"))
                .await;
            if let Some(m) = v
                .as_array()
                .and_then(|a| a.iter().rev().find(|m| m["template"] == "login_code"))
            {
                let text = m["text"].as_str().unwrap_or_default();
                code = six_digits(text).unwrap_or_default();
                if !code.is_empty() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(code.len(), 6, "no login code arrived for {phone}");
        let (status, body) = self
            .post(
                None,
                "/api/v1/auth/login",
                json!({ "phone": phone, "code": code }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn verify_identity(&self, token: &str, c: &DemoCitizen) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("name", c.name.as_str().to_owned())
            .text("id_number", c.id_number.as_str().to_owned())
            .part(
                "capture",
                reqwest::multipart::Part::bytes(capture()).file_name("live.jpg"),
            );
        read(
            self.http
                .post(self.url("/api/v1/identity/verify"))
                .multipart(form)
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Logs a demo officer in with password and TOTP.
    pub async fn officer_login(&self, username: &str) -> String {
        let (status, body) = self
            .post(
                None,
                "/api/v1/officer/login",
                json!({ "username": username, "password": wangban_server::demo::DEMO_PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let pending = body["token"].as_str().unwrap().to_owned();
        let secret = wangban_server::demo::DEMO_OFFICERS
            .iter()
            .find(|o| o.0 == username)
            .unwrap()
            .3;
        let code = wangban_server::demo::current_code(secret, self.clock.now());
        let (status, body) = self
            .post(
                Some(&pending),
                "/api/v1/officer/login/totp",
                json!({ "code": code }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates a complete draft for a demo citizen and submits it.
    pub async fn submitted(&self, key: &str, delivery: Value) -> (String, String) {
        self.submitted_with(key, json!({ "delivery": delivery }))
            .await
    }

    /// Like [`TestApp::submitted`], the draft's answers being `answers` (a PATCH body).
    pub async fn submitted_with(&self, key: &str, answers: Value) -> (String, String) {
        let c = demo_citizen(key).unwrap();
        let token = self.citizen_login(key).await;
        let (status, app) = self
            .post(
                Some(&token),
                "/api/v1/applications",
                json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        let number = app["number"].as_str().unwrap().to_owned();
        let (status, body) = self
            .patch(&token, &format!("/api/v1/applications/{number}"), answers)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for slot in ["id_photo", "signature", "id_card_front", "id_card_back"] {
            let (status, body) = self.upload(&token, &number, slot, good_file(slot)).await;
            assert_eq!(status, StatusCode::OK, "{slot}: {body}");
            assert_ne!(body["overall"], "fail", "{slot}: {body}");
        }
        let (status, body) = self
            .post(
                Some(&token),
                &format!("/api/v1/applications/{number}/submit"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "submitted");
        (token, number)
    }

    pub async fn officer_act(
        &self,
        token: &str,
        number: &str,
        action: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(
            Some(token),
            &format!("/api/v1/officer/applications/{number}/{action}"),
            body,
        )
        .await
    }

    /// The audit rows of an application with this action.
    pub async fn audit_rows(&self, number: &str, action: &str) -> Vec<wangban_store::AuditRow> {
        let store = &self.state().store;
        let id = store
            .application_by_number(number)
            .await
            .unwrap()
            .unwrap()
            .id;
        store
            .audit_log(Some(id))
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == action)
            .collect()
    }

    pub async fn state_of(&self, token: &str, number: &str) -> String {
        let (_, v) = self
            .get(Some(token), &format!("/api/v1/applications/{number}"))
            .await;
        v["state"].as_str().unwrap_or("").to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = r.shutdown_handle().send(true);
        }
    }
}

pub async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

pub fn mail() -> Value {
    json!({ "method": "mail", "address": {
        "recipient": "陈静怡", "phone": "13800000001", "province": "上海市", "city": "上海市",
        "district": "徐汇区", "street": "漕溪北路88号", "postcode": "200030" } })
}

pub fn pickup() -> Value {
    json!({ "method": "pickup" })
}

/// The login code in an SMS text (the gateway's own reading of it).
pub use wangban_gateways::sms::login_code_in as six_digits;
