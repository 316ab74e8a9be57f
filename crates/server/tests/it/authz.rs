//! The authorisation matrix, generated from the route table (`wangban_server::routes::table`):
//! every declared route × {anonymous, applicant A, applicant B, an officer between password and
//! TOTP, every officer role} × {A's application, B's application, a number that does not
//! exist}, each answer's class (allowed / refused: not logged in / refused: 403 / not found)
//! compared with what the route's `Access` promises. Every refusal that concerns someone
//! else's application must be exactly (status, redirect, body) the answer for a number that
//! does not exist, so that no route tells whether another person's application exists.
//!
//! Also here: no route is registered outside the table (a scan of the crate's sources), and
//! every path of the OpenAPI document is declared.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::json;
use wangban_core::application_number::ApplicationNumber;
use wangban_core::state::{Actor, EventKind, TRANSITIONS};
use wangban_gateways::clock::Clock;
use wangban_server::demo::{DEMO_OFFICERS, current_code};
use wangban_server::routes::{Access, RouteDecl, table};
use wangban_store::{SessionKind, SessionStage};

use crate::{JPEG, TestApp, mail, pickup};

/// Who asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    A,
    B,
    /// The reviewer after the password step, before the TOTP code.
    Pending,
    Officer(&'static str, Actor),
}

/// Which application the path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Record {
    OfA,
    OfB,
    Missing,
}

/// What an answer means for access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Allowed,
    /// 401, or a page's redirect to a login page.
    NotLoggedIn,
    Forbidden,
    NotFound,
}

/// The casework steps' path names and their events.
const STEPS: &[(&str, EventKind)] = &[
    ("claim", EventKind::Claim),
    ("release", EventKind::Release),
    ("request-correction", EventKind::RequestCorrection),
    ("approve", EventKind::Approve),
    ("reject", EventKind::Reject),
    ("produced", EventKind::Produced),
    ("dispatch", EventKind::Dispatch),
    ("send-to-hall", EventKind::SendToHall),
    ("collected", EventKind::Collected),
];

/// Page forms read as multipart (a file beside the fields); every other page form is urlencoded.
const MULTIPART_PAGES: &[&str] = &["/identity", "/applications/{number}/files/{slot}"];

const CSRF: &str = "authzmatrixcsrftokenauthzmatrixcsrftoken123";

/// What the declaration promises `who` on `record` (for `{action}`: the step named).
fn expected(access: Access, who: Who, record: Option<Record>, step: Option<EventKind>) -> Class {
    let owns = |w: Who| {
        matches!(
            (w, record),
            (Who::A, Some(Record::OfA)) | (Who::B, Some(Record::OfB)) | (_, None)
        )
    };
    let officer = |roles: &dyn Fn(Actor) -> bool| match who {
        Who::Officer(_, role) if roles(role) => {
            if record == Some(Record::Missing) {
                Class::NotFound
            } else {
                Class::Allowed
            }
        }
        Who::Officer(..) => Class::Forbidden,
        _ => Class::NotLoggedIn,
    };
    match access {
        Access::Public | Access::Sim | Access::Operator | Access::Logout => Class::Allowed,
        Access::Signed => Class::NotLoggedIn,
        Access::Applicant => match who {
            Who::A | Who::B => Class::Allowed,
            _ => Class::NotLoggedIn,
        },
        Access::Owner => match who {
            Who::A | Who::B if owns(who) => Class::Allowed,
            Who::A | Who::B => Class::NotFound,
            _ => Class::NotLoggedIn,
        },
        Access::PendingOfficer => match who {
            Who::Pending => Class::Allowed,
            _ => Class::NotLoggedIn,
        },
        Access::Officer(roles) => officer(&|r| roles.contains(&r)),
        Access::OfficerStep => {
            let step = step.expect("an OfficerStep route names {action}");
            officer(&|r| {
                TRANSITIONS
                    .iter()
                    .any(|t| t.event == step && t.actors.contains(&r))
            })
        }
    }
}

fn classify(access: Access, status: StatusCode, location: Option<&str>) -> Class {
    let to_login = location.is_some_and(|l| {
        let path = l.split('?').next().unwrap_or(l);
        path == "/login" || path == "/officer/login"
    });
    match status {
        // A logout answers with a redirect (to a login page too) whoever asks.
        s if access == Access::Logout && s.is_redirection() => Class::Allowed,
        // On a public route a 401 is about the credentials sent (a login form), not a session.
        StatusCode::UNAUTHORIZED if access == Access::Public => Class::Allowed,
        StatusCode::UNAUTHORIZED => Class::NotLoggedIn,
        s if s.is_redirection() && to_login => Class::NotLoggedIn,
        StatusCode::FORBIDDEN => Class::Forbidden,
        StatusCode::NOT_FOUND => Class::NotFound,
        _ => Class::Allowed,
    }
}

/// One answer, with the application number in it replaced, for comparing answers about
/// different numbers.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

struct Matrix<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    a: (String, String),
    b: (String, String),
    missing: String,
    order: String,
    officers: Vec<(&'static str, Actor, String)>,
    reviewer_id: i64,
    applicant_ids: (i64, i64),
}

impl Matrix<'_> {
    fn number(&self, r: Record) -> &str {
        match r {
            Record::OfA => &self.a.1,
            Record::OfB => &self.b.1,
            Record::Missing => &self.missing,
        }
    }

    /// The session `who` presents: the shared one, or a new one for requests that end or
    /// change their session (logouts, the TOTP step).
    async fn token(&self, who: Who, fresh: bool) -> Option<String> {
        let state = self.app.state();
        let open = |kind, id, stage| async move {
            state
                .open_session(kind, id, stage)
                .await
                .expect("a session")
                .0
        };
        match who {
            Who::Anonymous => None,
            Who::A if fresh => Some(
                open(
                    SessionKind::Applicant,
                    self.applicant_ids.0,
                    SessionStage::Full,
                )
                .await,
            ),
            Who::B if fresh => Some(
                open(
                    SessionKind::Applicant,
                    self.applicant_ids.1,
                    SessionStage::Full,
                )
                .await,
            ),
            Who::A => Some(self.a.0.clone()),
            Who::B => Some(self.b.0.clone()),
            Who::Pending => Some(
                open(
                    SessionKind::Officer,
                    self.reviewer_id,
                    SessionStage::TotpPending,
                )
                .await,
            ),
            Who::Officer(name, _) => {
                let shared = &self.officers.iter().find(|o| o.0 == name).unwrap().2;
                if !fresh {
                    return Some(shared.clone());
                }
                let s = state
                    .store
                    .session(&wangban_server::auth::hash_token(shared))
                    .await
                    .unwrap()
                    .unwrap();
                Some(open(SessionKind::Officer, s.subject_id, SessionStage::Full).await)
            }
        }
    }

    async fn send(
        &self,
        d: &RouteDecl,
        who: Who,
        record: Option<Record>,
        action: Option<&str>,
    ) -> Answer {
        let api = d.path.starts_with("/api/");
        let mut path = d.path.clone();
        if let Some(r) = record {
            path = path.replace("{number}", self.number(r));
        }
        path = path
            .replace("{slot}", "id_photo")
            .replace("{tag}", "en")
            .replace("{slug}", "who")
            .replace("{order}", &self.order);
        if let Some(a) = action {
            path = path.replace("{action}", a);
        }
        assert!(!path.contains('{'), "unfilled parameter in {path}");
        let fresh = d.path.ends_with("/logout") || d.access == Access::PendingOfficer;
        let token = self.token(who, fresh).await;
        let totp = if d.access == Access::PendingOfficer && d.method == "POST" {
            // A code not used before: each TOTP step takes the next one.
            self.app.clock.advance(chrono::Duration::seconds(31));
            let secret = DEMO_OFFICERS.iter().find(|o| o.0 == "reviewer").unwrap().3;
            current_code(secret, self.app.clock.now())
        } else {
            String::new()
        };
        let method = reqwest::Method::from_bytes(d.method.as_bytes()).unwrap();
        let mut req = self.http.request(method.clone(), self.app.url(&path));
        if api {
            if let Some(t) = &token {
                req = req.header(AUTHORIZATION, format!("Bearer {t}"));
            }
            // Bodies of the right shape, so that what is checked is who asks.
            if method == reqwest::Method::PUT {
                req = req.multipart(
                    reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(JPEG.to_vec())
                            .file_name("photo.jpg")
                            .mime_str("image/jpeg")
                            .unwrap(),
                    ),
                );
            } else if method != reqwest::Method::GET {
                let body = if d.access == Access::PendingOfficer {
                    json!({ "code": totp })
                } else if d.path.ends_with("/judgement") {
                    json!({ "explanation": "authorisation matrix" })
                } else {
                    json!({})
                };
                req = req.json(&body);
            }
        } else {
            let cookie_name = match who {
                Who::A | Who::B => "wangban_session",
                _ => "wangban_officer",
            };
            let mut cookie = format!("wangban_csrf={CSRF}");
            if let Some(t) = &token {
                cookie.push_str(&format!("; {cookie_name}={t}"));
            }
            req = req.header(COOKIE, cookie);
            if method == reqwest::Method::POST {
                if MULTIPART_PAGES.contains(&d.path.as_str()) {
                    req = req.multipart(reqwest::multipart::Form::new().text("csrf", CSRF));
                } else {
                    req = req
                        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(format!("csrf={CSRF}&code={totp}"));
                }
            }
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        let n = record.map(|r| self.number(r).to_owned());
        let norm = |s: &str| match &n {
            Some(n) => s.replace(n.as_str(), "{number}"),
            None => s.to_owned(),
        };
        Answer {
            status,
            location: location.as_deref().map(norm),
            body: norm(&body),
        }
    }
}

/// The principals: anonymous, A, B, a pending officer, one officer of each demo role.
fn principals() -> Vec<Who> {
    let mut out = vec![Who::Anonymous, Who::A, Who::B, Who::Pending];
    let mut seen = BTreeSet::new();
    for (name, _, role, _) in DEMO_OFFICERS {
        if seen.insert(role.code()) {
            out.push(Who::Officer(name, *role));
        }
    }
    out
}

#[tokio::test]
async fn every_route_answers_each_principal_as_declared() {
    let app = TestApp::start().await;
    let routes = table();
    // Two applicants, each with a submitted application; A's approved and its payment started
    // (for the payment provider's page, `{order}`).
    let a = app.submitted("passport-expiring", mail()).await;
    let b = app.submitted("hkmo-damaged", pickup()).await;
    let mut officers = vec![];
    for who in principals() {
        if let Who::Officer(name, role) = who {
            officers.push((name, role, app.officer_login(name).await));
        }
    }
    let reviewer = &officers.iter().find(|o| o.0 == "reviewer").unwrap().2;
    crate::journeys::approve(&app, reviewer, &a.1).await;
    let (status, started) = app
        .post(
            Some(&a.0),
            &format!("/api/v1/applications/{}/payment", a.1),
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{started}");
    let order = started["pay_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let missing =
        ApplicationNumber::from_value(ApplicationNumber::parse(&a.1).unwrap().value() ^ 0x155)
            .to_string();
    assert!(missing != a.1 && missing != b.1);
    let subject = |token: &str| {
        let store = app.state().store.clone();
        let hash = wangban_server::auth::hash_token(token);
        async move { store.session(&hash).await.unwrap().unwrap().subject_id }
    };
    let m = Matrix {
        app: &app,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        reviewer_id: subject(reviewer).await,
        applicant_ids: (subject(&a.0).await, subject(&b.0).await),
        a,
        b,
        missing,
        order,
        officers,
    };

    // Sessions are shared by every request; logouts (which end them) go last.
    let mut ordered: Vec<&RouteDecl> = routes.iter().collect();
    ordered.sort_by_key(|d| d.path.ends_with("/logout"));
    let mut failures = vec![];
    let mut requests = 0;
    for d in ordered {
        let records: Vec<Option<Record>> = if d.path.contains("{number}") {
            vec![Some(Record::OfA), Some(Record::OfB), Some(Record::Missing)]
        } else {
            vec![None]
        };
        let actions: Vec<Option<(&str, EventKind)>> = if d.path.contains("{action}") {
            STEPS.iter().map(|s| Some(*s)).collect()
        } else {
            vec![None]
        };
        for who in principals() {
            for &(action, step) in actions
                .iter()
                .map(|a| (a.map(|a| a.0), a.map(|a| a.1)))
                .collect::<Vec<_>>()
                .iter()
            {
                let mut answers = vec![];
                for &record in &records {
                    let answer = m.send(d, who, record, action).await;
                    requests += 1;
                    let what = format!(
                        "{} {} as {who:?} on {record:?} ({action:?})",
                        d.method, d.path
                    );
                    assert!(
                        !answer.status.is_server_error(),
                        "{what}: {}: {}",
                        answer.status,
                        answer.body
                    );
                    let got = classify(d.access, answer.status, answer.location.as_deref());
                    let want = expected(d.access, who, record, step);
                    if got != want {
                        failures.push(format!(
                            "{what}: declared {:?} expects {want:?}, got {got:?} ({} {:?}) {}",
                            d.access,
                            answer.status,
                            answer.location,
                            answer.body.chars().take(200).collect::<String>()
                        ));
                    }
                    answers.push((record, got, answer));
                }
                // A refusal about someone else's application is the answer for no application.
                if let Some((_, _, none)) = answers.iter().find(|a| a.0 == Some(Record::Missing)) {
                    for (record, class, answer) in &answers {
                        // B asking for A's, A for B's, and every other refusal (not logged
                        // in, a role without access) alike.
                        if *record != Some(Record::Missing)
                            && *class != Class::Allowed
                            && answer != none
                        {
                            failures.push(format!(
                                "{} {} as {who:?} ({action:?}): {record:?} answers {:?} {:?} {}, \
                                 a missing number {:?} {:?} {}",
                                d.method,
                                d.path,
                                answer.status,
                                answer.location,
                                answer.body.chars().take(200).collect::<String>(),
                                none.status,
                                none.location,
                                none.body.chars().take(200).collect::<String>()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {requests} answers not as declared:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// No route is added except through `routes::Routes` (which records its declaration): a scan
/// of this crate's sources for axum's own ways of adding one.
#[test]
fn every_route_is_added_through_the_declared_table() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = vec![];
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("routes.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                if [
                    ".route(",
                    ".route_service(",
                    ".nest_service(",
                    "Router::new()",
                ]
                .iter()
                .any(|p| line.contains(p))
                {
                    offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "routes added outside routes::Routes (no access declared):\n{}",
        offenders.join("\n")
    );
}

/// The table has each (method, path) once, and every operation of the OpenAPI document is in it.
#[tokio::test]
async fn the_openapi_document_and_the_table_agree() {
    let routes = table();
    let mut seen = BTreeSet::new();
    for d in &routes {
        assert!(
            seen.insert((d.method, d.path.clone())),
            "declared twice: {d:?}"
        );
    }
    let app = TestApp::start().await;
    let (status, doc) = app.get(None, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    let declared: BTreeSet<(String, String)> = routes
        .iter()
        .map(|d| (d.method.to_owned(), d.path.clone()))
        .collect();
    let undeclared: Vec<_> = documented.difference(&declared).collect();
    assert!(
        undeclared.is_empty(),
        "documented but not declared: {undeclared:?}"
    );
}
