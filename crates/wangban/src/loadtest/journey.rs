//! One resident's journey, the reviewers who approve it, and the no-op phase, over HTTP.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};
use wangban_core::eligibility::Request;
use wangban_core::i18n::{Locale, Message};
use wangban_gateways::registry::synthetic::SyntheticPerson;
use wangban_gateways::sms::login_code_in;

use sha2::{Digest, Sha256};

use super::Recorder;

/// Files that pass the automatic checks (the media crate's labelled fixtures).
const PHOTO: &[u8] = include_bytes!("../../../media/fixtures/photo/astronaut-ok.jpg");
const SIGNATURE: &[u8] = include_bytes!("../../../media/fixtures/signature/n0-ok.png");
const ID_FRONT: &[u8] = include_bytes!("../../../media/fixtures/idcard/front-ok0.jpg");
const ID_BACK: &[u8] = include_bytes!("../../../media/fixtures/idcard/back-ok0.jpg");

/// States at or after the journey's end: the payment was recorded and production began.
const FINAL_STATES: &[&str] = &[
    "in_production",
    "produced",
    "dispatched",
    "delivered",
    "ready_for_pickup",
    "collected",
];

/// A step that failed: its kind, as counted in the report.
#[derive(Debug)]
pub(crate) struct StepError(pub String);

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Step<T> = Result<T, StepError>;

/// The HTTP client of every simulated person, timing each request by endpoint.
#[derive(Clone)]
pub(crate) struct Client {
    base: String,
    http: reqwest::Client,
    recorder: Arc<Recorder>,
    step_timeout: Duration,
    /// The server is being stopped and started during the run (`--kills`).
    restarts: bool,
}

impl Client {
    pub fn new(
        base: &str,
        recorder: Arc<Recorder>,
        step_timeout_seconds: u64,
        restarts: bool,
    ) -> reqwest::Result<Client> {
        Ok(Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(1024)
                .build()?,
            recorder,
            step_timeout: Duration::from_secs(step_timeout_seconds),
            restarts,
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.http.request(method, url)
    }

    /// Sends the request `make` builds, times it under `endpoint` (until the whole body is
    /// read), and returns the body as JSON (or a string) when the status is one of `expect`.
    /// A request that got no answer (the server down, the connection cut) is sent again, as a
    /// browser's retry would, until the step's timeout: callers give requests that change
    /// something an idempotency key, so that a retry cannot do it twice.
    async fn send<F>(&self, endpoint: &'static str, make: F, expect: &[StatusCode]) -> Step<Value>
    where
        F: Fn() -> RequestBuilder,
    {
        let first = Instant::now();
        loop {
            let started = Instant::now();
            let answer = match make().send().await {
                Ok(r) => {
                    let status = r.status();
                    r.bytes().await.map(|b| (status, b))
                }
                Err(e) => Err(e),
            };
            let (status, body) = match answer {
                Ok(a) => a,
                Err(e) => {
                    if self.restarts && first.elapsed() < self.step_timeout {
                        self.recorder.retries.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    return Err(self.fail(endpoint, transport_kind(&e)));
                }
            };
            self.recorder.latency(endpoint, started.elapsed());
            let value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            if expect.contains(&status) {
                return Ok(value);
            }
            let code = value["error"]["code"].as_str().unwrap_or_default();
            return Err(self.fail(
                endpoint,
                format!(
                    "HTTP {}{}",
                    status.as_u16(),
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!(" {code}")
                    }
                ),
            ));
        }
    }

    fn fail(&self, endpoint: &str, what: String) -> StepError {
        StepError(format!("{endpoint}: {what}"))
    }

    /// Fails a journey for a reason other than one request's answer.
    fn journey_fail(&self, what: String) -> StepError {
        StepError(what)
    }

    /// The state of application `number`, as its applicant sees it.
    async fn state_of(&self, token: &str, number: &str) -> Step<String> {
        let view = self
            .send(
                "GET /api/v1/applications/{number}",
                || {
                    self.request(Method::GET, &format!("/api/v1/applications/{number}"))
                        .bearer_auth(token)
                },
                &[StatusCode::OK],
            )
            .await?;
        Ok(view["state"].as_str().unwrap_or_default().to_owned())
    }
}

/// Where a step that failed after its server was stopped actually got to: a request can be
/// carried out and its answer lost with the server, and its retry then finds the work done
/// (or its idempotency key still marked as in progress). The load test then looks, as a
/// person reloading the page would, instead of counting the step as failed.
async fn reconcile<T>(
    client: &Client,
    result: Step<T>,
    done: impl AsyncFnOnce() -> Step<bool>,
) -> Step<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if client.restarts => {
            if done().await? {
                client.recorder.reconciled.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connection refused or reset".to_owned()
    } else {
        "transport error".to_owned()
    }
}

/// A reviewer's session: logged in with the demo password and the current TOTP code.
#[derive(Clone)]
pub(crate) struct Reviewer {
    token: String,
}

/// Logs every demo reviewer in.
pub(crate) async fn reviewer_sessions(client: &Client) -> Step<Vec<Reviewer>> {
    let mut out = Vec::new();
    for (username, _, role, secret) in wangban_server::demo::DEMO_OFFICERS {
        if *role != wangban_core::state::Actor::Reviewer {
            continue;
        }
        let body = client
            .send(
                "POST /api/v1/officer/login",
                || client
                    .request(Method::POST, "/api/v1/officer/login")
                    .json(&json!({ "username": username, "password": wangban_server::demo::DEMO_PASSWORD })),
                &[StatusCode::OK],
            )
            .await?;
        let pending = body["token"].as_str().unwrap_or_default().to_owned();
        let code = wangban_server::demo::current_code(secret, chrono::Utc::now());
        let body = client
            .send(
                "POST /api/v1/officer/login/totp",
                || {
                    client
                        .request(Method::POST, "/api/v1/officer/login/totp")
                        .bearer_auth(&pending)
                        .json(&json!({ "code": code }))
                },
                &[StatusCode::OK],
            )
            .await?;
        out.push(Reviewer {
            token: body["token"].as_str().unwrap_or_default().to_owned(),
        });
    }
    if out.is_empty() {
        return Err(StepError("no demo reviewer could log in".to_owned()));
    }
    Ok(out)
}

/// What the journeys came to.
pub(crate) struct Outcomes {
    pub completed: u64,
    pub final_states: BTreeMap<String, u64>,
}

/// How many residents are on their journey at once, and how many reviewers work.
pub(crate) struct Staffing {
    pub concurrency: usize,
    pub officers: usize,
}

/// An application waiting for a reviewer, and where to say it was approved.
type Approval = (String, oneshot::Sender<Step<()>>);

/// Runs every resident's journey, `concurrency` at a time, with `officers` reviewers.
pub(crate) async fn run_all(
    client: &Client,
    residents: Vec<(SyntheticPerson, Request)>,
    reviewers: Vec<Reviewer>,
    Staffing {
        concurrency,
        officers,
    }: Staffing,
    ledger: &Arc<Ledger>,
    bar: &indicatif::ProgressBar,
    locale: Locale,
) -> Outcomes {
    let (to_review, queue) = mpsc::unbounded_channel::<Approval>();
    let queue = Arc::new(Mutex::new(queue));
    let mut desks = Vec::new();
    for i in 0..officers {
        let reviewer = reviewers[i % reviewers.len()].clone();
        let queue = queue.clone();
        let client = client.clone();
        let ledger = ledger.clone();
        desks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().await.recv().await;
                let Some((number, done)) = next else { break };
                let _ = done.send(approve(&client, &ledger, &reviewer, &number).await);
            }
        }));
    }
    let gate = Arc::new(Semaphore::new(concurrency));
    let failed = Arc::new(AtomicU64::new(0));
    let mut residents_running = Vec::new();
    for (index, (person, request)) in residents.into_iter().enumerate() {
        let permit = gate
            .clone()
            .acquire_owned()
            .await
            .expect("the gate stays open");
        let client = client.clone();
        let to_review = to_review.clone();
        let bar = bar.clone();
        let failed = failed.clone();
        let ledger = ledger.clone();
        residents_running.push(tokio::spawn(async move {
            let result = journey(&client, index, &person, request, &to_review, &ledger).await;
            drop(permit);
            if let Err(e) = &result {
                client.recorder.error(e.0.clone());
                let n = failed.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(
                    Message::new("loadtest-progress-failed")
                        .with("count", n as i64)
                        .render(locale),
                );
            }
            bar.inc(1);
            result
        }));
    }
    drop(to_review);
    let mut outcomes = Outcomes {
        completed: 0,
        final_states: BTreeMap::new(),
    };
    for r in residents_running {
        if let Ok(Ok(state)) = r.await {
            outcomes.completed += 1;
            *outcomes.final_states.entry(state).or_default() += 1;
        }
    }
    for d in desks {
        let _ = d.await;
    }
    outcomes
}

/// A JPEG or PNG made distinct for resident `index` without changing a pixel: a JPEG comment
/// segment (or a PNG text chunk) carrying the index, so that no two residents upload the same
/// bytes (the store names files by their content).
fn distinct(file: &[u8], index: usize) -> Vec<u8> {
    let tag = format!("wangban loadtest resident {index}");
    if file.starts_with(&[0xFF, 0xD8]) {
        let mut out = Vec::with_capacity(file.len() + tag.len() + 4);
        out.extend_from_slice(&file[..2]);
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((tag.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(tag.as_bytes());
        out.extend_from_slice(&file[2..]);
        out
    } else if file.starts_with(b"\x89PNG\r\n\x1a\n") && file.len() > 33 {
        // After the signature (8 bytes) and the IHDR chunk (25 bytes): a tEXt chunk.
        let mut data = b"Comment\0".to_vec();
        data.extend_from_slice(tag.as_bytes());
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        let mut typed = b"tEXt".to_vec();
        typed.extend_from_slice(&data);
        chunk.extend_from_slice(&typed);
        chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
        let mut out = file[..33].to_vec();
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&file[33..]);
        out
    } else {
        file.to_vec()
    }
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One resident, from the SMS login to the application in production. Returns the state the
/// application ended in.
async fn journey(
    client: &Client,
    index: usize,
    person: &SyntheticPerson,
    request: Request,
    to_review: &mpsc::UnboundedSender<Approval>,
    ledger: &Ledger,
) -> Step<String> {
    let phone = person.phone.as_str();
    let capture = distinct(PHOTO, index);
    let identity_form = || {
        reqwest::multipart::Form::new()
            .text("name", person.person.name.as_str().to_owned())
            .text("id_number", person.person.id_number().as_str().to_owned())
            .part(
                "capture",
                reqwest::multipart::Part::bytes(capture.clone())
                    .file_name("live.jpg")
                    .mime_str("image/jpeg")
                    .expect("a valid MIME type"),
            )
    };
    let mut attempt = 0;
    let token = loop {
        attempt += 1;
        let token = login(client, phone).await?;
        // Passing real-person authentication raises the session's privilege: it comes back
        // as a new session (the old token ends).
        let verified = client
            .send(
                "POST /api/v1/identity/verify",
                || {
                    client
                        .request(Method::POST, "/api/v1/identity/verify")
                        .bearer_auth(&token)
                        .multipart(identity_form())
                },
                &[StatusCode::OK],
            )
            .await;
        match verified {
            Ok(v) => break v["token"].as_str().unwrap_or(&token).to_owned(),
            // Verified, but the answer (the new session) was lost with a stop: the old
            // session has ended, so the resident logs in again.
            Err(_) if client.restarts && attempt < 3 => {
                client.recorder.reconciled.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => return Err(e),
        }
    };

    let (kind, reason) = (request.kind.code(), request.reason.code());
    let verdict = client
        .send(
            "GET /api/v1/eligibility",
            || {
                client
                    .request(Method::GET, "/api/v1/eligibility")
                    .bearer_auth(&token)
                    .query(&[("kind", kind), ("reason", reason)])
            },
            &[StatusCode::OK],
        )
        .await?;
    if verdict["eligible"] != true {
        return Err(client.journey_fail("GET /api/v1/eligibility: not eligible".to_owned()));
    }
    let created = client
        .send(
            "POST /api/v1/applications",
            || {
                client
                    .request(Method::POST, "/api/v1/applications")
                    .bearer_auth(&token)
                    .header(
                        "Idempotency-Key",
                        format!("loadtest-create-{index}-{phone}"),
                    )
                    .json(&json!({ "kind": kind, "reason": reason }))
            },
            &[StatusCode::CREATED],
        )
        .await;
    let mut found = None;
    let draft = reconcile(client, created, async || {
        // The draft may exist though its answer was lost: the resident's list shows it.
        let list = client
            .send(
                "GET /api/v1/applications",
                || {
                    client
                        .request(Method::GET, "/api/v1/applications")
                        .bearer_auth(&token)
                },
                &[StatusCode::OK],
            )
            .await?;
        found = list.as_array().and_then(|apps| {
            apps.iter()
                .find(|a| a["kind"] == kind && a["state"] == "draft")
                .cloned()
        });
        Ok(found.is_some())
    })
    .await?;
    let draft = draft.or(found).unwrap_or_default();
    let number = draft["number"].as_str().unwrap_or_default().to_owned();
    ledger.opened(&number, &token);
    let delivery = if index.is_multiple_of(2) {
        json!({ "method": "mail", "address": {
            "recipient": person.person.name.as_str(), "phone": phone,
            "province": "上海市", "city": "上海市", "district": "徐汇区",
            "street": format!("漕溪北路{}号", 1 + index % 800), "postcode": "200030" } })
    } else {
        json!({ "method": "pickup" })
    };
    client
        .send(
            "PATCH /api/v1/applications/{number}",
            || {
                client
                    .request(Method::PATCH, &format!("/api/v1/applications/{number}"))
                    .bearer_auth(&token)
                    .json(&json!({ "delivery": delivery }))
            },
            &[StatusCode::OK],
        )
        .await?;
    for (slot, file, name, mime) in [
        ("id_photo", PHOTO, "photo.jpg", "image/jpeg"),
        ("signature", SIGNATURE, "signature.png", "image/png"),
        ("id_card_front", ID_FRONT, "front.jpg", "image/jpeg"),
        ("id_card_back", ID_BACK, "back.jpg", "image/jpeg"),
    ] {
        let bytes = distinct(file, index);
        let form = || {
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name(name)
                    .mime_str(mime)
                    .expect("a valid MIME type"),
            )
        };
        let report = client
            .send(
                "PUT /api/v1/applications/{number}/files/{slot}",
                || {
                    client
                        .request(
                            Method::PUT,
                            &format!("/api/v1/applications/{number}/files/{slot}"),
                        )
                        .bearer_auth(&token)
                        .multipart(form())
                },
                &[StatusCode::OK],
            )
            .await?;
        if report["overall"] == "fail" {
            return Err(
                client.journey_fail(format!("upload {slot}: the checks failed a good file"))
            );
        }
        ledger.ack(&number, Ack::Upload(slot, Sha256::digest(&bytes).into()));
    }
    let mut attempt = 0;
    let submitted = loop {
        attempt += 1;
        let answer = client
            .send(
                "POST /api/v1/applications/{number}/submit",
                || {
                    client
                        .request(
                            Method::POST,
                            &format!("/api/v1/applications/{number}/submit"),
                        )
                        .bearer_auth(&token)
                        .header(
                            "Idempotency-Key",
                            format!("loadtest-submit-{number}-{attempt}"),
                        )
                        .json(&json!({}))
                },
                &[StatusCode::OK],
            )
            .await;
        match answer {
            // A stop between taking the key and finishing left it "in progress": if the
            // submission did not happen, the resident presses the button again (a new request).
            Err(e) if stuck(client, &e) && attempt < 3 => {
                if client.state_of(&token, &number).await? != "draft" {
                    break Err(e);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => break other,
        }
    };
    let submitted = reconcile(client, submitted, async || {
        Ok(client.state_of(&token, &number).await? == "submitted")
    })
    .await?;
    if let Some(v) = submitted {
        if v["state"] != "submitted" {
            return Err(client.journey_fail(format!("submit: state {}", v["state"])));
        }
        ledger.ack(&number, Ack::Submit);
    }

    // A reviewer takes it; the resident hears by SMS (not polled here).
    let (done, approved) = oneshot::channel();
    to_review
        .send((number.clone(), done))
        .map_err(|_| client.journey_fail("no reviewer left".to_owned()))?;
    match tokio::time::timeout(client.step_timeout, approved).await {
        Ok(Ok(result)) => result?,
        Ok(Err(_)) => return Err(client.journey_fail("approval: reviewer gone".to_owned())),
        Err(_) => return Err(client.journey_fail("approval: timeout".to_owned())),
    }

    let mut attempt = 0;
    let payment = loop {
        // A payment whose start was cut off by a stop may have its key still in progress:
        // the resident presses "pay" again (a new request).
        attempt += 1;
        let started = client
            .send(
                "POST /api/v1/applications/{number}/payment",
                || {
                    client
                        .request(
                            Method::POST,
                            &format!("/api/v1/applications/{number}/payment"),
                        )
                        .bearer_auth(&token)
                        .header(
                            "Idempotency-Key",
                            format!("loadtest-pay-{number}-{attempt}"),
                        )
                        .json(&json!({}))
                },
                &[StatusCode::OK],
            )
            .await;
        match started {
            Ok(v) => break v,
            Err(e) if client.restarts && attempt < 5 => {
                client.recorder.reconciled.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _ = e;
            }
            Err(e) => return Err(e),
        }
    };
    let pay_url = payment["pay_url"].as_str().unwrap_or_default().to_owned();
    if pay_url.is_empty() {
        return Err(client.journey_fail("payment: no pay_url".to_owned()));
    }
    client
        .send(
            "GET /sim/pay/{order}",
            || client.request(Method::GET, &pay_url),
            &[StatusCode::OK],
        )
        .await?;
    client
        .send(
            "POST /sim/pay/{order}",
            || client.request(Method::POST, &pay_url),
            if client.restarts {
                // Paid already (the answer was lost with a stop).
                &[
                    StatusCode::SEE_OTHER,
                    StatusCode::FOUND,
                    StatusCode::OK,
                    StatusCode::CONFLICT,
                ]
            } else {
                &[StatusCode::SEE_OTHER, StatusCode::FOUND, StatusCode::OK]
            },
        )
        .await?;
    // The payment provider notifies the service (signed, asynchronously); the resident's page
    // shows when it has.
    let state = wait_for(client, "payment recorded", || async {
        let state = client.state_of(&token, &number).await?;
        Ok(FINAL_STATES.contains(&state.as_str()).then_some(state))
    })
    .await?;
    ledger.ack(&number, Ack::Paid);
    Ok(state)
}

/// The SMS login: asks for a code, reads it from the simulator's outbox, logs in. A code the
/// server used up without answering (it stopped in between) is asked for again, up to three
/// times.
async fn login(client: &Client, phone: &str) -> Step<String> {
    let login_codes = || async {
        let outbox = client
            .send(
                "GET /api/v1/sim/sms",
                || {
                    client
                        .request(Method::GET, "/api/v1/sim/sms")
                        .query(&[("phone", phone)])
                },
                &[StatusCode::OK],
            )
            .await?;
        Ok::<Vec<String>, StepError>(
            outbox
                .as_array()
                .map(|messages| {
                    messages
                        .iter()
                        .filter(|m| m["template"] == "login_code")
                        .filter_map(|m| login_code_in(m["text"].as_str().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default(),
        )
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let before = login_codes().await?.len();
        client
            .send(
                "POST /api/v1/auth/otp",
                || {
                    client
                        .request(Method::POST, "/api/v1/auth/otp")
                        .json(&json!({ "phone": phone }))
                },
                &[StatusCode::ACCEPTED],
            )
            .await?;
        // The code arrives by SMS, as a person looks at their phone; one that does not come
        // (an SMS can be lost: here, with a simulator stopped before it kept its outbox) is
        // asked for again, as a person presses "resend".
        let code = wait_within(
            client,
            "login code SMS",
            client.step_timeout.min(Duration::from_secs(20)),
            || async {
                let codes = login_codes().await?;
                Ok((codes.len() > before)
                    .then(|| codes.last().cloned())
                    .flatten())
            },
        )
        .await;
        let code = match code {
            Ok(code) => code,
            Err(_) if attempt < 3 => continue,
            Err(e) => return Err(e),
        };
        let answer = client
            .send(
                "POST /api/v1/auth/login",
                || {
                    client
                        .request(Method::POST, "/api/v1/auth/login")
                        .json(&json!({ "phone": phone, "code": code }))
                },
                if attempt < 3 {
                    &[
                        StatusCode::OK,
                        StatusCode::BAD_REQUEST,
                        StatusCode::UNAUTHORIZED,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    ]
                } else {
                    &[StatusCode::OK]
                },
            )
            .await?;
        if let Some(token) = answer["token"].as_str() {
            return Ok(token.to_owned());
        }
    }
}

/// A reviewer looks at the application, claims it and approves it.
async fn approve(client: &Client, ledger: &Ledger, reviewer: &Reviewer, number: &str) -> Step<()> {
    // The reviewer opens the application first.
    officer_state(client, reviewer, number).await?;
    for (endpoint, action, after) in [
        (
            "POST /api/v1/officer/applications/{number}/claim",
            "claim",
            &["under_review", "awaiting_payment"][..],
        ),
        (
            "POST /api/v1/officer/applications/{number}/approve",
            "approve",
            &["awaiting_payment"][..],
        ),
    ] {
        let mut attempt = 0;
        let answer = loop {
            attempt += 1;
            let answer = client
                .send(
                    endpoint,
                    || {
                        client
                            .request(
                                Method::POST,
                                &format!("/api/v1/officer/applications/{number}/{action}"),
                            )
                            .bearer_auth(&reviewer.token)
                            .header(
                                "Idempotency-Key",
                                format!("loadtest-{action}-{number}-{attempt}"),
                            )
                            .json(&json!({}))
                    },
                    &[StatusCode::OK],
                )
                .await;
            // After a restart the workers catch up on the application (a stale version: 409);
            // the officer reloads and tries again.
            match answer {
                Err(_) if client.restarts && attempt < 3 => {
                    if officer_state(client, reviewer, number)
                        .await
                        .is_ok_and(|s| after.contains(&s.as_str()))
                    {
                        break answer;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                _ => break answer,
            }
        };
        let answer = reconcile(client, answer, async || {
            Ok(after.contains(&officer_state(client, reviewer, number).await?.as_str()))
        })
        .await?;
        if answer.is_some() {
            ledger.ack(
                number,
                if action == "claim" {
                    Ack::Claim
                } else {
                    Ack::Approve
                },
            );
        }
    }
    Ok(())
}

/// Whether a step failed on an idempotency key left "in progress" by a stopped server.
fn stuck(client: &Client, e: &StepError) -> bool {
    client.restarts && e.0.contains("api-idempotency-in-progress")
}

/// The state of application `number`, as a reviewer sees it.
async fn officer_state(client: &Client, reviewer: &Reviewer, number: &str) -> Step<String> {
    let view = client
        .send(
            "GET /api/v1/officer/applications/{number}",
            || {
                client
                    .request(
                        Method::GET,
                        &format!("/api/v1/officer/applications/{number}"),
                    )
                    .bearer_auth(&reviewer.token)
            },
            &[StatusCode::OK],
        )
        .await?;
    // The officer's view holds the application's own view.
    Ok(view["application"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Asks `check` every 50 ms, then less often, until it gives a value or the step times out.
async fn wait_for<T, F, Fut>(client: &Client, what: &str, check: F) -> Step<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Step<Option<T>>>,
{
    wait_within(client, what, client.step_timeout, check).await
}

/// [`wait_for`] with its own time limit.
async fn wait_within<T, F, Fut>(
    client: &Client,
    what: &str,
    limit: Duration,
    mut check: F,
) -> Step<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Step<Option<T>>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if started.elapsed() > limit {
            return Err(client.journey_fail(format!("{what}: timeout")));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 3 / 2).min(Duration::from_millis(500));
    }
}

/// `GET /health` from `concurrency` clients for `length`: the server's bare request rate.
pub(crate) async fn noop_phase(
    client: &Client,
    concurrency: usize,
    length: Duration,
) -> super::report::Noop {
    let until = Instant::now() + length;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            while Instant::now() < until {
                match client.request(Method::GET, "/health").send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        ok += 1;
                    }
                    _ => failed += 1,
                }
            }
            (ok, failed)
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        if let Ok((o, f)) = t.await {
            ok += o;
            failed += f;
        }
    }
    super::report::Noop {
        requests: ok,
        failed,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// A request the server acknowledged, to be found exactly once afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ack {
    /// The upload of a slot, with the SHA-256 of the bytes sent.
    Upload(&'static str, [u8; 32]),
    Submit,
    Claim,
    Approve,
    /// The payment notification, seen recorded (the application moved into production).
    Paid,
}

/// Every acknowledged request of the run, by application.
#[derive(Default)]
pub(crate) struct Ledger {
    apps: std::sync::Mutex<BTreeMap<String, (String, Vec<Ack>)>>,
}

impl Ledger {
    fn opened(&self, number: &str, token: &str) {
        self.apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(number.to_owned())
            .or_insert_with(|| (token.to_owned(), Vec::new()));
    }

    fn ack(&self, number: &str, ack: Ack) {
        if let Some((_, acks)) = self
            .apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(number)
        {
            acks.push(ack);
        }
    }
}

/// What the check after a run with stops found.
#[derive(Debug, Default, Clone)]
pub struct Durability {
    pub applications: u64,
    /// Acknowledged requests, by kind (uploads: the last one of each slot).
    pub acknowledged: BTreeMap<&'static str, u64>,
    /// Acknowledged requests found exactly once (uploads: the stored file is the one sent).
    pub found_once: BTreeMap<&'static str, u64>,
    /// Acknowledged requests not found, or found more than once: "number: what".
    pub problems: Vec<String>,
}

/// Looks for every acknowledged request: each submission, claim, approval and payment once
/// in the application's history, each upload's stored file equal to the bytes sent.
pub(crate) async fn verify(client: &Client, ledger: &Ledger) -> Durability {
    let apps = ledger
        .apps
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut out = Durability::default();
    for (number, (token, acks)) in apps {
        out.applications += 1;
        let timeline = client
            .send(
                "GET /api/v1/applications/{number}/timeline",
                || {
                    client
                        .request(
                            Method::GET,
                            &format!("/api/v1/applications/{number}/timeline"),
                        )
                        .bearer_auth(&token)
                },
                &[StatusCode::OK],
            )
            .await;
        let Ok(timeline) = timeline else {
            out.problems.push(format!("{number}: timeline unreadable"));
            continue;
        };
        let count = |event: &str| {
            timeline["entries"]
                .as_array()
                .map_or(0, |e| e.iter().filter(|x| x["event"] == event).count())
        };
        // The last acknowledged upload of each slot is the one stored.
        let mut uploads: BTreeMap<&'static str, [u8; 32]> = BTreeMap::new();
        for ack in &acks {
            let (what, event) = match ack {
                Ack::Upload(slot, sha) => {
                    uploads.insert(slot, *sha);
                    continue;
                }
                Ack::Submit => ("submissions", "submit"),
                Ack::Claim => ("claims", "claim"),
                Ack::Approve => ("approvals", "approve"),
                Ack::Paid => ("payments", "payment_confirmed"),
            };
            *out.acknowledged.entry(what).or_default() += 1;
            match count(event) {
                1 => *out.found_once.entry(what).or_default() += 1,
                n => out
                    .problems
                    .push(format!("{number}: {event} found {n} times")),
            }
        }
        for (slot, sha) in uploads {
            *out.acknowledged.entry("uploads").or_default() += 1;
            let stored = client
                .http
                .get(format!(
                    "{}/api/v1/applications/{number}/files/{slot}",
                    client.base
                ))
                .bearer_auth(&token)
                .send()
                .await;
            let same = match stored {
                Ok(r) if r.status().is_success() => r
                    .bytes()
                    .await
                    .is_ok_and(|b| <[u8; 32]>::from(Sha256::digest(&b)) == sha),
                _ => false,
            };
            if same {
                *out.found_once.entry("uploads").or_default() += 1;
            } else {
                out.problems
                    .push(format!("{number}: {slot} not as uploaded"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_files_differ_per_resident_and_keep_their_format() {
        for file in [PHOTO, SIGNATURE] {
            let a = distinct(file, 1);
            let b = distinct(file, 2);
            assert_ne!(a, b);
            assert_eq!(a.len(), b.len());
            assert!(
                wangban_media::decode::decode(&a, &wangban_media::decode::Limits::default())
                    .is_ok()
            );
        }
    }

    #[test]
    fn crc32_of_the_png_iend_chunk() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }
}
