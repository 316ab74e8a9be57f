//! Operations, end to end on the real binary: a journey over the HTTP API with JSON logs on,
//! `/metrics` scraped before and after, a backup made while the server runs, restored into a
//! fresh folder, and a server started on the restored folder.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13800000001";
const ID_NUMBER: &str = "310104199103150226";
const NAME: &str = "陈静怡";
const SLOTS: [&str; 4] = ["id_photo", "signature", "id_card_front", "id_card_back"];

fn good_file(slot: &str) -> &'static [u8] {
    match slot {
        "id_photo" => include_bytes!("../../../media/fixtures/photo/astronaut-ok.jpg"),
        "signature" => include_bytes!("../../../media/fixtures/signature/n0-ok.png"),
        "id_card_front" => include_bytes!("../../../media/fixtures/idcard/front-ok0.jpg"),
        _ => include_bytes!("../../../media/fixtures/idcard/back-ok0.jpg"),
    }
}

/// A live capture large enough for the proofing simulator: any JPEG of at least 1 KB.
fn capture() -> Vec<u8> {
    good_file("id_photo").to_vec()
}

/// Starts `wangban serve` on `data` with JSON logs written to `log`.
fn start(data: &Path, log: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut cmd = crate::wangban_command();
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("WANGBAN_LOG__FORMAT", "json")
        // Everything the service logs, the chatty levels included.
        .env("WANGBAN_LOG", "debug,sqlx=debug")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("wangban starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner").expect("utf-8");
    let addr = first
        .strip_prefix("wangban is listening on ")
        .unwrap_or_else(|| panic!("unexpected banner: {first}"))
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "graceful stop");
}

async fn read(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        read(req.send().await.unwrap()).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        read(req.send().await.unwrap()).await
    }

    async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, token, path, body).await
    }

    async fn metrics(&self, token: Option<&str>) -> (StatusCode, String) {
        let mut req = self.http.get(format!("{}/metrics", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Logs the demo citizen in with the code from the SMS simulator's outbox.
    async fn login(&self) -> String {
        let (_, before) = self
            .get(None, &format!("/api/v1/sim/sms?phone={PHONE}"))
            .await;
        let seen = before.as_array().map_or(0, Vec::len);
        let (status, body) = self
            .post(None, "/api/v1/auth/otp", json!({ "phone": PHONE }))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let mut code = String::new();
        for _ in 0..500 {
            let (_, v) = self
                .get(None, &format!("/api/v1/sim/sms?phone={PHONE}"))
                .await;
            if let Some(m) = v
                .as_array()
                .filter(|a| a.len() > seen)
                .and_then(|a| a.last())
            {
                let text = m["text"].as_str().unwrap_or_default();
                code = text
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|run| run.len() == 6)
                    .unwrap_or_default()
                    .to_owned();
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(code.len(), 6, "a login code arrives");
        let (status, body) = self
            .post(
                None,
                "/api/v1/auth/login",
                json!({ "phone": PHONE, "code": code }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    async fn officer_login(&self, username: &str) -> String {
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
        // Codes change every 30 s: a second try covers a step boundary.
        for _ in 0..2 {
            let code = wangban_server::demo::current_code(secret, chrono::Utc::now());
            let (status, body) = self
                .post(
                    Some(&pending),
                    "/api/v1/officer/login/totp",
                    json!({ "code": code }),
                )
                .await;
            if status == StatusCode::OK {
                return body["token"].as_str().unwrap().to_owned();
            }
        }
        panic!("officer TOTP login failed");
    }

    async fn file(&self, token: &str, number: &str, slot: &str) -> Vec<u8> {
        let resp = self
            .http
            .get(format!(
                "{}/api/v1/applications/{number}/files/{slot}",
                self.base
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{slot}");
        resp.bytes().await.unwrap().to_vec()
    }
}

/// The count of a request histogram's series, 0 when absent.
fn request_count(metrics: &str, method: &str, route: &str) -> u64 {
    let prefix = format!(
        "wangban_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\","
    );
    metrics
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn journey_with_json_logs_and_metrics_then_backup_while_running_and_restore_on_sqlite() {
    journey_then_backup_and_restore(None).await;
}

#[tokio::test]
async fn journey_with_json_logs_and_metrics_then_backup_while_running_and_restore_on_postgres() {
    journey_then_backup_and_restore(Some(
        wangban_store::testing::PgTestDb::create()
            .await
            .expect("a PostgreSQL database"),
    ))
    .await;
}

/// On SQLite (`pg` none) or on the PostgreSQL database `pg`: a journey, a backup while the
/// server runs, a restore (into a fresh folder and, on PostgreSQL, a fresh database) and a
/// server on what was restored.
async fn journey_then_backup_and_restore(pg: Option<wangban_store::testing::PgTestDb>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let url = pg.as_ref().map(|db| db.settings().url).unwrap_or_default();
    let database: &[(&str, &str)] = if pg.is_some() {
        &[("WANGBAN_DATABASE__URL", url.as_str())]
    } else {
        &[]
    };
    let (child, base) = start(&data, &log, database);
    let api = Api {
        base,
        http: reqwest::Client::new(),
    };

    let (status, before) = api.metrics(None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "loopback may read /metrics by default"
    );
    let upload_route = "/api/v1/applications/{number}/files/{slot}";
    let uploads_before = request_count(&before, "PUT", upload_route);

    // The journey: log in, real-person authentication, a draft, four files, submit.
    let token = api.login().await;
    let form = reqwest::multipart::Form::new()
        .text("name", NAME)
        .text("id_number", ID_NUMBER)
        .part(
            "capture",
            reqwest::multipart::Part::bytes(capture()).file_name("live.jpg"),
        );
    let (status, body) = read(
        api.http
            .post(format!("{}/api/v1/identity/verify", api.base))
            .multipart(form)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Identity verification renews the session.
    let token = body["token"].as_str().unwrap().to_owned();
    let (status, app) = api
        .post(
            Some(&token),
            "/api/v1/applications",
            json!({ "kind": "passport", "reason": "expiring_soon" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let number = app["number"].as_str().unwrap().to_owned();
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            Some(&token),
            &format!("/api/v1/applications/{number}"),
            json!({ "delivery": { "method": "pickup" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for slot in SLOTS {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(good_file(slot).to_vec())
                .file_name("file.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let (status, body) = read(
            api.http
                .put(format!(
                    "{}/api/v1/applications/{number}/files/{slot}",
                    api.base
                ))
                .multipart(form)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slot}: {body}");
    }
    let (status, body) = api
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let officer = api.officer_login("reviewer").await;
    let (status, body) = api
        .post(
            Some(&officer),
            &format!("/api/v1/officer/applications/{number}/claim"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = api
        .get(
            Some(&officer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut files = Vec::new();
    for slot in SLOTS {
        files.push(api.file(&token, &number, slot).await);
    }

    // Metrics moved, under the route template; no personal data or numbers in them.
    let (_, after) = api.metrics(None).await;
    assert_eq!(
        request_count(&after, "PUT", upload_route),
        uploads_before + 4,
        "{after}"
    );
    assert!(
        request_count(&after, "POST", "/api/v1/applications/{number}/submit") >= 1,
        "{after}"
    );
    assert!(
        after.contains("wangban_open_sessions{kind=\"officer\"} 1"),
        "{after}"
    );
    assert!(
        after.contains("wangban_deadline_breaches{clock=\"review\"} 0"),
        "{after}"
    );
    assert!(after.contains("wangban_jobs{"), "{after}");
    for secret in [number.as_str(), PHONE, ID_NUMBER, NAME, token.as_str()] {
        assert!(!after.contains(secret), "{secret} in /metrics");
    }

    // The database's audit rows of that application, as the running server left them.
    let audit_before = audit_actions(&data, &url, &number).await;
    assert!(!audit_before.is_empty());

    // A backup while the server runs (and keeps serving).
    let backup = dir.path().join("backup");
    let out = wangban_cmd(
        database,
        &["backup", "create", "--data"],
        &data,
        &["--out"],
        &backup,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, _) = api.get(None, "/ready").await;
    assert_eq!(status, StatusCode::OK);
    stop(child);

    // The log: JSON lines, and none of the citizen's data or secrets.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        lines += 1;
    }
    assert!(lines > 5, "the server logged ({lines} lines)");
    for secret in [PHONE, ID_NUMBER, NAME, token.as_str(), officer.as_str()] {
        assert!(!text.contains(secret), "{secret} appears in the log");
    }

    // Verification catches a damaged backup; restore refuses a folder with data in it.
    let out = crate::wangban_command()
        .args(["backup", "verify"])
        .arg(&backup)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wangban_cmd(
        database,
        &["backup", "restore"],
        &backup,
        &["--data"],
        &data,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a non-empty data folder (or database) is refused"
    );
    // The restore's database: on PostgreSQL a fresh one (the live one is refused, not being
    // empty, even for a fresh folder).
    let target = match &pg {
        Some(_) => {
            let fresh = dir.path().join("fresh-folder");
            let out = wangban_cmd(
                database,
                &["backup", "restore"],
                &backup,
                &["--data"],
                &fresh,
            );
            assert_eq!(
                out.status.code(),
                Some(2),
                "a database with tables is refused"
            );
            assert!(!fresh.exists(), "nothing was written");
            Some(
                wangban_store::testing::PgTestDb::create()
                    .await
                    .expect("a second PostgreSQL database"),
            )
        }
        None => None,
    };
    let target_url = target
        .as_ref()
        .map(|db| db.settings().url)
        .unwrap_or_default();
    let restored_database: &[(&str, &str)] = if target.is_some() {
        &[("WANGBAN_DATABASE__URL", target_url.as_str())]
    } else {
        &[]
    };
    let damaged = dir.path().join("damaged");
    copy_dir(&backup, &damaged);
    let blob = first_file(&damaged.join("uploads"));
    std::fs::write(&blob, b"not the file").unwrap();
    let fresh = dir.path().join("fresh-from-damaged");
    let out = wangban_cmd(
        restored_database,
        &["backup", "restore"],
        &damaged,
        &["--data"],
        &fresh,
    );
    assert_eq!(out.status.code(), Some(2), "a changed file is refused");
    assert!(!fresh.exists(), "nothing was written");
    if let Some(target) = &target {
        // A damaged dump is refused too, and the database is left as it was.
        let damaged = dir.path().join("damaged-dump");
        copy_dir(&backup, &damaged);
        let dump = damaged.join("database.pgdump");
        let mut bytes = std::fs::read(&dump).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xFF;
        std::fs::write(&dump, bytes).unwrap();
        let out = wangban_cmd(
            restored_database,
            &["backup", "restore"],
            &damaged,
            &["--data"],
            &fresh,
        );
        assert_eq!(out.status.code(), Some(2), "a changed dump is refused");
        assert!(!fresh.exists(), "nothing was written");
        assert_eq!(
            wangban_store::ops::postgres_contents(&target.settings())
                .await
                .unwrap(),
            None,
            "the target database is still empty"
        );
    }

    // Restore into a fresh folder and serve from it.
    let restored = dir.path().join("restored");
    let out = wangban_cmd(
        restored_database,
        &["backup", "restore"],
        &backup,
        &["--data"],
        &restored,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Keys are never in a backup (a backup with its key is no longer encrypted): the operator
    // brings the key-encryption key back from where it is kept apart (here the demo key file).
    assert!(
        !backup.join("kek-local.key").exists(),
        "the key-encryption key is not in the backup"
    );
    std::fs::copy(data.join("kek-local.key"), restored.join("kek-local.key")).unwrap();
    let mut env = vec![
        ("WANGBAN_METRICS__ALLOW_LOOPBACK", "false"),
        ("WANGBAN_METRICS__TOKEN", "scrape-token"),
    ];
    env.extend_from_slice(restored_database);
    let (child, base) = start(&restored, &dir.path().join("restored.log"), &env);
    let api = Api {
        base,
        http: reqwest::Client::new(),
    };
    let token = api.login().await;
    let (status, app) = api
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    assert_eq!(app["state"], "under_review", "{app}");
    for (slot, bytes) in SLOTS.iter().zip(&files) {
        assert_eq!(&api.file(&token, &number, slot).await, bytes, "{slot}");
    }
    // Metrics access by token only, as configured.
    assert_eq!(api.metrics(None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.metrics(Some("wrong")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.metrics(Some("scrape-token")).await.0, StatusCode::OK);
    stop(child);
    let audit_after = audit_actions(&restored, &target_url, &number).await;
    assert!(
        audit_after.starts_with(&audit_before),
        "audit rows restored: {audit_before:?} → {audit_after:?}"
    );
}

fn wangban_cmd(
    env: &[(&str, &str)],
    a: &[&str],
    p: &Path,
    b: &[&str],
    q: &Path,
) -> std::process::Output {
    let mut cmd = crate::wangban_command();
    cmd.envs(env.iter().copied())
        .args(a)
        .arg(p)
        .args(b)
        .arg(q)
        .output()
        .unwrap()
}

/// The audit actions of an application, read from the database at `url` (empty: the SQLite
/// file in `data`).
async fn audit_actions(data: &Path, url: &str, number: &str) -> Vec<String> {
    // The demo's key file in the data folder opens the store (application rows are sealed).
    let (keyring, made) = wangban_store::crypto::KeySettings::default()
        .keyring(data, true)
        .unwrap();
    assert!(made.is_none(), "the service made the key file");
    let settings = wangban_store::DatabaseSettings {
        url: url.to_owned(),
        ..Default::default()
    };
    let store = wangban_store::Store::open(&settings, data)
        .await
        .unwrap()
        .unlock(&keyring, chrono::Utc::now())
        .await
        .unwrap();
    let id = store
        .application_by_number(number)
        .await
        .unwrap()
        .expect("the application is there")
        .id;
    let rows = store.audit_log(Some(id)).await.unwrap();
    store.close().await;
    rows.into_iter().map(|r| r.action).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn first_file(dir: &Path) -> std::path::PathBuf {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_file() {
            return p;
        }
        if p.is_dir() {
            return first_file(&p);
        }
    }
    panic!("no file under {}", dir.display());
}
