//! `wangban serve` as a newcomer runs it: zero configuration, a fresh data folder, the demo
//! start page, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Starts `wangban serve` (demo, zero configuration) on `data`: the child and its base URL.
pub(crate) fn start(data: &std::path::Path) -> (std::process::Child, String) {
    let mut child = crate::wangban_command()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        // The server's log, shown when a stop is not clean.
        .stderr(std::fs::File::create(data.with_extension("log")).unwrap())
        .spawn()
        .expect("wangban starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // Log lines of the start (e.g. the demo's key file being made) may come before the banner.
    let mut before = Vec::new();
    let addr = loop {
        let line = lines.next().expect("a banner").expect("utf-8");
        if let Some(addr) = line.strip_prefix("wangban is listening on ") {
            break addr.to_owned();
        }
        assert!(before.len() < 20, "no banner: {before:?}");
        before.push(line);
    };
    // The demo makes its key-encryption key file on first start and says so, without the key.
    if !data.join("kek-local.key").exists() {
        panic!("no demo key file made; log: {before:?}");
    }
    let key = std::fs::read_to_string(data.join("kek-local.key")).unwrap();
    assert!(before.iter().all(|l| !l.contains(key.trim())), "{before:?}");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

pub(crate) fn stop(mut child: std::process::Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap()
}

#[tokio::test]
async fn serve_starts_on_a_fresh_folder_lists_the_demo_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (child, addr) = start(&data);
    let http = reqwest::Client::new();
    let ready = http.get(format!("{addr}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let page = http
        .get(format!("{addr}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for phone in ["13800000001", "13800000024"] {
        assert!(
            page.contains(phone),
            "the start page lists demo citizen {phone}"
        );
    }
    let spec = http
        .get(format!("{addr}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(spec.status(), 200);
    // Something to keep across a restart.
    let sent = http
        .post(format!("{addr}/api/v1/auth/otp"))
        .json(&serde_json::json!({ "phone": "13800000001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let status = stop(child);
    assert!(
        status.success(),
        "graceful stop: {status:?}; log:\n{}",
        std::fs::read_to_string(data.with_extension("log")).unwrap_or_default()
    );
    assert!(data.join("wangban.db").exists());

    // A second start on the same folder: migrations are idempotent, and the login code is sent
    // once — before the stop, or by the job runner resuming after the restart.
    let (child, addr) = start(&data);
    let mut outbox = serde_json::Value::Null;
    for _ in 0..100 {
        outbox = http
            .get(format!("{addr}/api/v1/sim/sms?phone=13800000001"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if outbox.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(outbox.as_array().map(Vec::len), Some(1), "{outbox}");
    let status = stop(child);
    assert!(
        status.success(),
        "graceful stop: {status:?}; log:\n{}",
        std::fs::read_to_string(data.with_extension("log")).unwrap_or_default()
    );
}
