//! Two wangban nodes, each a process of its own, on one PostgreSQL database: what one node
//! does, the other sees; each background job runs once; the deadline sweepers of both nodes,
//! running every second side by side, send one reminder and withdraw once.
//!
//! The node processes are this test binary started again on the ignored test [`node`]: each
//! runs the real server with its workers, its own data folder and simulators, and a clock that
//! the test sets through the node's standard input (`set <RFC 3339 instant>`, answered `ok`),
//! so that both nodes live at the same moment without any test hook in the server itself.
//! The database and the key-encryption key are shared, as in production.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use wangban_gateways::clock::{Clock, ManualClock};
use wangban_gateways::registry::demo_citizen;
use wangban_store::crypto::{KekSource, KeySettings};

use crate::{TestApp, good_file, pickup, test_settings, test_start};

const NODE_DATABASE: &str = "WANGBAN_TEST_NODE_DATABASE";
const NODE_DATA: &str = "WANGBAN_TEST_NODE_DATA";
const NODE_KEK: &str = "WANGBAN_TEST_NODE_KEK";
const NODE_FILES: &str = "WANGBAN_TEST_NODE_FILES";

/// One node of [`two_nodes_are_one_service`]; does nothing when run by hand.
#[tokio::test]
#[ignore = "a node of the two-node test, which starts it as a process of its own"]
async fn node() {
    let (Ok(database), Ok(data), Ok(kek), Ok(files)) = (
        std::env::var(NODE_DATABASE),
        std::env::var(NODE_DATA),
        std::env::var(NODE_KEK),
        std::env::var(NODE_FILES),
    ) else {
        eprintln!("not started by the two-node test: nothing to do");
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = test_settings(std::path::Path::new(&data), &format!("http://{addr}"));
    settings.database.url = database;
    settings.database.max_connections = 4;
    // One place for uploaded files, as a bucket is in production (the S3 path has its own test).
    settings.storage.dir = Some(files.into());
    settings.keys = KeySettings {
        keks: vec![KekSource {
            id: "shared".into(),
            file: Some(kek.into()),
            value: None,
        }],
        ..KeySettings::default()
    };
    // Both sweepers run all the time, side by side.
    settings.workers.sweep_seconds = 1;
    let clock = Arc::new(ManualClock::new(test_start()));
    let state = wangban_server::build_state(settings, clock.clone())
        .await
        .expect("the node starts");
    let running = wangban_server::start(state, listener)
        .await
        .expect("the node serves");
    println!("node listening on http://{addr}");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(at) = line.strip_prefix("set ") {
            let at: DateTime<Utc> = at.trim().parse().expect("an RFC 3339 instant");
            clock.set(at);
            println!("node ok");
        }
    }
    // The test closed our standard input: stop.
    running.stop().await.expect("a clean stop");
}

/// A node process and a [`TestApp`] that talks to it.
struct Node {
    app: TestApp,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    _dir: tempfile::TempDir,
}

impl Node {
    fn spawn(
        database: &str,
        kek: &std::path::Path,
        files: &std::path::Path,
        clock: Arc<ManualClock>,
    ) -> NodeStarting {
        let dir = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args(["two_nodes::node", "--exact", "--ignored", "--nocapture"])
            .env(NODE_DATABASE, database)
            .env(NODE_DATA, dir.path())
            .env(NODE_KEK, kek)
            .env(NODE_FILES, files)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the node process starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        NodeStarting {
            child,
            stdin,
            lines,
            dir,
            clock,
        }
    }

    /// Sets the node's clock (and the test's copy of it).
    async fn set_clock(&mut self, at: DateTime<Utc>) {
        self.stdin
            .write_all(format!("set {}\n", at.to_rfc3339()).as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
        loop {
            let line = tokio::time::timeout(StdDuration::from_secs(30), self.lines.next_line())
                .await
                .expect("the node answers")
                .unwrap()
                .expect("the node is alive");
            if line == "node ok" {
                break;
            }
        }
        self.app.clock.set(at);
    }

    /// Closes the node's standard input, which stops it; it must exit cleanly.
    async fn stop(self) {
        let Node {
            stdin, mut child, ..
        } = self;
        drop(stdin);
        let status = tokio::time::timeout(StdDuration::from_secs(60), child.wait())
            .await
            .expect("the node stops within a minute")
            .unwrap();
        assert!(status.success(), "the node exited with {status}");
    }

    /// The SMS messages this node's simulator sent to `phone`.
    async fn sms(&self, phone: &str) -> Vec<Value> {
        let (status, v) = self
            .app
            .get(None, &format!("/api/v1/sim/sms?phone={phone}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v.as_array().unwrap().clone()
    }
}

struct NodeStarting {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
}

impl NodeStarting {
    async fn ready(mut self) -> Node {
        let base = loop {
            let line = tokio::time::timeout(StdDuration::from_secs(120), self.lines.next_line())
                .await
                .expect("the node starts within two minutes")
                .unwrap()
                .expect("the node printed its address before it ended");
            if let Some(base) = line.strip_prefix("node listening on ") {
                break base.to_owned();
            }
        };
        Node {
            app: TestApp::remote(base, self.clock),
            child: self.child,
            stdin: self.stdin,
            lines: self.lines,
            _dir: self.dir,
        }
    }
}

/// The messages with `template` that both nodes' simulators sent to `phone`.
async fn sent(nodes: &[&Node], phone: &str, template: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for n in nodes {
        all.extend(
            n.sms(phone)
                .await
                .into_iter()
                .filter(|m| m["template"] == template),
        );
    }
    all
}

/// Waits (up to 20 s) until `check` holds.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Asks `a` for a login code, reads it from whichever node's simulator sent it, and logs in
/// at `b`.
async fn login_across(a: &Node, b: &Node, phone: &str) -> String {
    let (status, body) = a
        .app
        .post(None, "/api/v1/auth/otp", json!({ "phone": phone }))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    until("the login code", || async {
        !sent(&[a, b], phone, "login_code").await.is_empty()
    })
    .await;
    let codes = sent(&[a, b], phone, "login_code").await;
    assert_eq!(codes.len(), 1, "one code, sent once: {codes:?}");
    let text = codes[0]["text"].as_str().unwrap();
    let code = crate::six_digits(text).expect("a six-digit code");
    let (status, body) = b
        .app
        .post(
            None,
            "/api/v1/auth/login",
            json!({ "phone": phone, "code": code }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_nodes_are_one_service() {
    let db = wangban_store::testing::PgTestDb::create()
        .await
        .expect("a PostgreSQL database for the two nodes");
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, hex::encode(rand::random::<[u8; 16]>())).unwrap();
    // Both start at once: they migrate, make the data keys and seed the demo officers
    // together.
    let url = db.settings().url;
    let files = dir.path().join("files");
    let starting_a = Node::spawn(&url, &kek, &files, Arc::new(ManualClock::new(test_start())));
    let starting_b = Node::spawn(&url, &kek, &files, Arc::new(ManualClock::new(test_start())));
    let (mut a, mut b) = tokio::join!(starting_a.ready(), starting_b.ready());

    // A session made at one node is the session at the other.
    let citizens = ["passport-damaged", "hkmo-damaged", "taiwan-damaged"];
    let mut applicants = Vec::new();
    for (i, key) in citizens.iter().enumerate() {
        let c = demo_citizen(key).unwrap();
        let phone = c.phone.as_str();
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let token = login_across(first, second, phone).await;
        for n in [&a, &b] {
            let (status, me) = n.app.get(Some(&token), "/api/v1/me").await;
            assert_eq!(status, StatusCode::OK, "{me}");
            assert_eq!(me["verified"], false);
        }
        // Verified at one node: the other knows it.
        let (status, body) = first.app.verify_identity(&token, c).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_owned();
        let (_, me) = second.app.get(Some(&token), "/api/v1/me").await;
        assert_eq!(me["verified"], true, "{me}");
        // A draft made at one node, filled in and submitted at the other.
        let (status, app) = first
            .app
            .post(
                Some(&token),
                "/api/v1/applications",
                json!({ "kind": c.request.kind.code(), "reason": c.request.reason.code() }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{app}");
        let number = app["number"].as_str().unwrap().to_owned();
        let (status, body) = second
            .app
            .patch(
                &token,
                &format!("/api/v1/applications/{number}"),
                json!({ "delivery": pickup() }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for (j, slot) in ["id_photo", "signature", "id_card_front", "id_card_back"]
            .iter()
            .enumerate()
        {
            let n = if j % 2 == 0 { first } else { second };
            let (status, body) = n.app.upload(&token, &number, slot, good_file(slot)).await;
            assert_eq!(status, StatusCode::OK, "{slot}: {body}");
            // Uploaded at one node, served by the other.
            let other = if j % 2 == 0 { second } else { first };
            let served = other
                .app
                .http
                .get(
                    other
                        .app
                        .url(&format!("/api/v1/applications/{number}/files/{slot}")),
                )
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(served.status(), StatusCode::OK, "{slot}");
            assert_eq!(
                served.bytes().await.unwrap().as_ref(),
                good_file(slot).as_slice()
            );
        }
        let (status, body) = second
            .app
            .post(
                Some(&token),
                &format!("/api/v1/applications/{number}/submit"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        applicants.push((phone.to_owned(), token, number));
    }
    // A logout at one node ends the session at both.
    let spare = demo_citizen("passport-lost").unwrap();
    let token = login_across(&b, &a, spare.phone.as_str()).await;
    let (status, _) = a
        .app
        .post(Some(&token), "/api/v1/auth/logout", json!({}))
        .await;
    assert!(status.is_success(), "{status}");
    let (status, _) = b.app.get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An officer logged in at one node works at the other.
    let reviewer = a.app.officer_login("reviewer").await;
    for (i, (_, _, number)) in applicants.iter().enumerate() {
        let (claim_at, decide_at) = if i % 2 == 0 { (&b, &a) } else { (&a, &b) };
        let (status, body) = claim_at
            .app
            .officer_act(&reviewer, number, "claim", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = decide_at
            .app
            .officer_act(
                &reviewer,
                number,
                "request-correction",
                json!({ "items": [{ "subject": "signature", "reason": "signature_spacing" }] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // The last day of the correction deadline: both sweepers see it, every second.
    let last_day = test_start() + Duration::days(7) + Duration::hours(2);
    a.set_clock(last_day).await;
    b.set_clock(last_day).await;
    for (phone, _, _) in &applicants {
        until("a reminder", || async {
            !sent(&[&a, &b], phone, "deadline_reminder").await.is_empty()
        })
        .await;
    }
    // Several more sweeps of each node.
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    for (phone, _, _) in &applicants {
        let reminders = sent(&[&a, &b], phone, "deadline_reminder").await;
        assert_eq!(reminders.len(), 1, "one reminder to {phone}: {reminders:?}");
    }

    // The day after: withdrawn, once, by one of the two sweepers.
    let missed = last_day + Duration::days(2);
    a.set_clock(missed).await;
    b.set_clock(missed).await;
    for (phone, token, number) in &applicants {
        until("the withdrawal", || async {
            a.app.state_of(token, number).await == "withdrawn"
        })
        .await;
        until("the withdrawal SMS", || async {
            !sent(&[&a, &b], phone, "withdrawn").await.is_empty()
        })
        .await;
    }
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    for (phone, token, number) in &applicants {
        let (_, timeline) = b
            .app
            .get(
                Some(token),
                &format!("/api/v1/applications/{number}/timeline"),
            )
            .await;
        let withdrawals = timeline["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "correction_deadline_missed")
            .count();
        assert_eq!(withdrawals, 1, "{number}: {timeline}");
        let told = sent(&[&a, &b], phone, "withdrawn").await;
        assert_eq!(told.len(), 1, "one withdrawal SMS to {phone}: {told:?}");
    }

    // Every SMS job ran once: as many messages left the two simulators as there are jobs,
    // each job done at its first try, and each node sent some of them.
    let store = shared_store(&db, &kek).await;
    let jobs = store.jobs(Some("sms")).await.unwrap();
    assert!(
        jobs.iter().all(|j| j.status == "done"),
        "{:?}",
        jobs.iter()
            .map(|j| (&j.status, j.attempts))
            .collect::<Vec<_>>()
    );
    let mut phones: Vec<String> = applicants.iter().map(|(p, _, _)| p.clone()).collect();
    phones.push(spare.phone.as_str().to_owned());
    let (mut at_a, mut at_b) = (0, 0);
    for phone in &phones {
        at_a += a.sms(phone).await.len();
        at_b += b.sms(phone).await.len();
    }
    assert_eq!(at_a + at_b, jobs.len(), "messages sent = SMS jobs");
    assert!(
        at_a > 0 && at_b > 0,
        "both nodes ran jobs: {at_a} and {at_b}"
    );
    store.close().await;

    // Each node stops cleanly when told to.
    a.stop().await;
    b.stop().await;
}

/// The database both nodes use, opened by the test with the same key.
async fn shared_store(
    db: &wangban_store::testing::PgTestDb,
    kek: &std::path::Path,
) -> wangban_store::Store {
    let dir = tempfile::tempdir().unwrap();
    let store = wangban_store::Store::open(&db.settings(), dir.path())
        .await
        .unwrap();
    let keys = KeySettings {
        keks: vec![KekSource {
            id: "shared".into(),
            file: Some(kek.to_path_buf()),
            value: None,
        }],
        ..KeySettings::default()
    };
    let (ring, _) = keys.keyring(dir.path(), false).unwrap();
    store
        .unlock(&ring, ManualClock::new(test_start()).now())
        .await
        .unwrap()
}
