//! `wangban loadtest`, small: every journey completes with no error, on SQLite and on
//! PostgreSQL, and what it reports matches the database (speed is BENCHMARKS.md's business);
//! and with the server killed and restarted during the run, nothing acknowledged is lost or
//! doubled.

use sqlx::Connection;

use crate::wangban;

#[test]
fn a_small_run_on_sqlite_completes_every_journey() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("kept");
    let out = wangban(&[
        "loadtest",
        "--journeys",
        "6",
        "--concurrency",
        "3",
        "--officers",
        "2",
        "--noop-seconds",
        "1",
        "--keep-data",
        data.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(report["completed"], 6, "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["errors"], serde_json::json!({}), "{report}");
    let states = report["final_states"].as_object().unwrap();
    assert_eq!(states.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 6);
    // Every step of the journey was timed, four uploads each.
    let latency = &report["latency"];
    assert_eq!(
        latency["PUT /api/v1/applications/{number}/files/{slot}"]["count"],
        24
    );
    assert_eq!(
        latency["POST /api/v1/applications/{number}/submit"]["count"],
        6
    );
    assert_eq!(
        latency["POST /api/v1/officer/applications/{number}/approve"]["count"],
        6
    );
    assert!(report["noop"]["requests"].as_u64().unwrap() > 0, "{report}");
    assert!(report["noop_ratio"].as_f64().unwrap() > 0.0);
    assert!(report["server_peak_rss_mib"].as_f64().unwrap() > 1.0);
    assert!(report["server_cpu_seconds"].as_f64().unwrap() > 0.0);

    // The kept data folder agrees: six applications, each paid and in production, half by mail.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}?mode=ro", data.join("wangban.db").display());
        let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM applications GROUP BY state")
                .fetch_all(&mut db)
                .await
                .unwrap();
        assert_eq!(rows, vec![("in_production".to_owned(), 6)]);
    });
}

#[test]
fn a_small_run_on_postgres_completes_every_journey() {
    let out = wangban(&[
        "loadtest",
        "--journeys",
        "4",
        "--concurrency",
        "2",
        "--officers",
        "1",
        "--noop-seconds",
        "1",
        "--postgres",
        &wangban_store::testing::admin_url(),
        "--json",
    ]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(report["completed"], 4, "{report}");
    assert_eq!(report["errors"], serde_json::json!({}), "{report}");
    assert_eq!(report["target"], "started server, PostgreSQL");
}

#[test]
fn a_server_that_cannot_be_reached_is_a_clear_failure_to_run() {
    let out = wangban(&[
        "--lang",
        "en",
        "loadtest",
        "--url",
        "http://127.0.0.1:9",
        "--journeys",
        "1",
    ]);
    assert_eq!(out.status, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("The load test could not run")
            && out
                .stderr
                .contains("POST /api/v1/officer/login: connection refused"),
        "{}",
        out.stderr
    );
}

/// Issue 8's durability check, short: the server is killed with SIGKILL three times while
/// residents and reviewers work; every acknowledged submission, upload, decision and payment
/// is then found exactly once, and every journey still ends in production (the jobs resumed).
fn durability_run(extra: &[&str]) {
    let mut args = vec![
        "loadtest",
        "--journeys",
        "12",
        "--concurrency",
        "4",
        "--officers",
        "2",
        "--kills",
        "3",
        "--noop-seconds",
        "0",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = wangban(&args);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    // Up to three: a quick run can end before the third moment comes.
    let kills = report["kills"].as_u64().unwrap();
    assert!((1..=3).contains(&kills), "{report}");
    assert_eq!(report["completed"], 12, "{report}");
    assert_eq!(report["errors"], serde_json::json!({}), "{report}");
    let d = &report["durability"];
    assert_eq!(d["applications"], 12, "{report}");
    assert_eq!(d["problems"], serde_json::json!([]), "{report}");
    // Every acknowledged request is found once. (A step whose answer was lost with a stop is
    // not acknowledged, so the acknowledged counts may fall short of 12 by the reconciled ones.)
    assert_eq!(d["found_once"], d["acknowledged"], "{report}");
    let reconciled = report["reconciled"].as_u64().unwrap();
    for (what, n) in [
        ("submissions", 12),
        ("claims", 12),
        ("approvals", 12),
        ("payments", 12),
        ("uploads", 48),
    ] {
        let acked = d["acknowledged"][what].as_u64().unwrap();
        assert!(acked <= n && acked + reconciled >= n, "{what}: {report}");
    }
    // Payments are seen, not acknowledged by a stop-prone answer: all twelve.
    assert_eq!(d["acknowledged"]["payments"], 12, "{report}");
}

#[test]
fn acknowledged_work_survives_sigkill_on_sqlite() {
    durability_run(&[]);
}

#[test]
fn acknowledged_work_survives_sigkill_on_postgres() {
    durability_run(&["--postgres", &wangban_store::testing::admin_url()]);
}
