//! `wangban stats rebuild` on a real data folder: counters wiped behind wangban's back come
//! back from the (encrypted) action logs. `wangban stats generate`: the aggregates of N
//! synthetic applications, shown by the page; refused on a database with applications.

use chrono::{TimeZone, Utc};
use sqlx::Connection;
use wangban_core::calendar::WorkingCalendar;
use wangban_core::state::{Action, Actor, Application, DeliveryMethod, Event};
use wangban_core::stats::{Facets, deltas};
use wangban_store::crypto::KeySettings;
use wangban_store::{Commit, NewApplication, StatsTallies, Store};

use crate::wangban;

#[test]
fn rebuild_recomputes_the_counters_from_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = wangban(&["migrate", "--data", data]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = dir.path().join("wangban.db");
    rt.block_on(async {
        // The demo key migrate made; one submitted application, counted as the server would.
        let (keyring, _) = KeySettings::default().keyring(dir.path(), true).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, 3, 2, 0, 0).unwrap();
        let store = Store::open_sqlite(&db)
            .await
            .unwrap()
            .unlock(&keyring, at)
            .await
            .unwrap();
        let applicant = store.applicant_for_phone("13800000001", at).await.unwrap();
        let facets = Facets {
            kind: "passport".into(),
            reason: "damaged".into(),
            district: "310104".into(),
        };
        let id = store
            .create_application(&NewApplication {
                number: "N00000001".into(),
                applicant,
                kind: facets.kind.clone(),
                reason: facets.reason.clone(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: facets.district.clone(),
                created_at: at,
            })
            .await
            .unwrap();
        let submit = Action::new(
            at,
            Actor::Applicant,
            Event::Submit {
                delivery: DeliveryMethod::Mail,
            },
        );
        let draft = Application::new_draft(at);
        let (stats, _) = deltas(&facets, &draft, &[], &submit, &WorkingCalendar::builtin());
        store
            .commit_action(&Commit {
                application: id,
                expected_version: 0,
                at,
                new_state: "submitted".into(),
                due_at: None,
                actor: "applicant".into(),
                officer: None,
                action: serde_json::to_string(&submit).unwrap(),
                form: None,
                claimed_by: None,
                jobs: vec![],
                audit: vec![],
                payment_paid: None,
                stats,
            })
            .await
            .unwrap();
        store.close().await;
        // Someone with the file empties the counters.
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query("DELETE FROM stats_counts")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
    let out = wangban(&["stats", "rebuild", "--data", data, "--json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["applications"], 1);
    assert_eq!(v["actions"], 1);
    assert_eq!(v["count_cells"], 1);
    let out = wangban(&["--lang", "en", "stats", "rebuild", "--data", data]);
    assert!(out.stdout.contains("from 1 applications"), "{}", out.stdout);
    rt.block_on(async {
        let store = Store::open_sqlite(&db).await.unwrap();
        let t = store.statistics().await.unwrap();
        assert_eq!(t.total("applied"), 1);
        assert_eq!(t.by("applied", "kind"), [("passport".to_string(), 1)]);
        assert_eq!(t.by("applied", "delivery"), [("mail".to_string(), 1)]);
        store.close().await;
    });
}

#[test]
fn rebuild_without_a_database_fails_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no").join("such");
    let out = wangban(&["stats", "rebuild", "--data", missing.to_str().unwrap()]);
    assert_eq!(out.status, 2, "{}", out.stdout);
}

/// One application committed as the server would (a submission), in the data folder `dir`.
fn one_real_application(rt: &tokio::runtime::Runtime, dir: &std::path::Path) {
    rt.block_on(async {
        let (keyring, _) = KeySettings::default().keyring(dir, true).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, 3, 2, 0, 0).unwrap();
        let store = Store::open_sqlite(&dir.join("wangban.db"))
            .await
            .unwrap()
            .unlock(&keyring, at)
            .await
            .unwrap();
        let applicant = store.applicant_for_phone("13800000001", at).await.unwrap();
        let facets = Facets {
            kind: "passport".into(),
            reason: "damaged".into(),
            district: "310104".into(),
        };
        let id = store
            .create_application(&NewApplication {
                number: "N00000001".into(),
                applicant,
                kind: facets.kind.clone(),
                reason: facets.reason.clone(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: facets.district.clone(),
                created_at: at,
            })
            .await
            .unwrap();
        let submit = Action::new(
            at,
            Actor::Applicant,
            Event::Submit {
                delivery: DeliveryMethod::Mail,
            },
        );
        let draft = Application::new_draft(at);
        let (stats, _) = deltas(&facets, &draft, &[], &submit, &WorkingCalendar::builtin());
        store
            .commit_action(&Commit {
                application: id,
                expected_version: 0,
                at,
                new_state: "submitted".into(),
                due_at: None,
                actor: "applicant".into(),
                officer: None,
                action: serde_json::to_string(&submit).unwrap(),
                form: None,
                claimed_by: None,
                jobs: vec![],
                audit: vec![],
                payment_paid: None,
                stats,
            })
            .await
            .unwrap();
        store.close().await;
    });
}

fn statistics(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> StatsTallies {
    rt.block_on(async {
        let store = Store::open_sqlite(&dir.join("wangban.db")).await.unwrap();
        let t = store.statistics().await.unwrap();
        store.close().await;
        t
    })
}

#[test]
fn generate_writes_n_applications_whose_figures_the_page_and_api_show() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let out = wangban(&["migrate", "--data", data_arg]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let args = [
        "stats",
        "generate",
        "--applications",
        "2000",
        "--seed",
        "1",
        "--data",
        data_arg,
    ];
    let out = wangban(&[&args[..], &["--json"]].concat());
    assert_eq!(out.status, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["applications"], 2000);
    assert_eq!(v["seed"], 1);
    assert_eq!(v["unmeasured"], 0);
    assert!(v["actions"].as_u64().unwrap() > 2000 * 5, "{v}");
    assert!(v["count_cells"].as_u64().unwrap() > 1000, "{v}");
    // Progress on stderr, every twentieth.
    let progress: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(progress.len(), 19, "{}", out.stderr);
    assert!(progress[0].contains("100 / 2000"), "{}", out.stderr);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = statistics(&rt, &data);
    assert_eq!(t.total("applied"), 2000);
    let by_month = t.by("applied", "month");
    assert_eq!(by_month.first().unwrap().0, "2023-01");
    assert_eq!(by_month.last().unwrap().0, "2026-11");
    assert!(t.total("issued") > 1500, "{}", t.total("issued"));
    assert!(t.total("withdrawn") > 0);

    // Again with the same seed: replaced, not added to; in English, a sentence.
    let out = wangban(&[&["--lang", "en"], &args[..]].concat());
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("2000 synthetic applications (seed 1"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("100 of 2000"), "{}", out.stderr);
    assert_eq!(statistics(&rt, &data), t);

    // The server shows them, in both languages.
    let (child, addr) = crate::serve::start(&data);
    rt.block_on(async {
        let http = reqwest::Client::new();
        let api: serde_json::Value = http
            .get(format!("{addr}/api/v1/statistics"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(api["applied"]["total"], 2000, "{api}");
        assert_eq!(api["issued"]["total"], t.total("issued"));
        assert!(api["submission_to_approval"]["median_working_days"].is_number());
        for lang in ["zh-CN", "en"] {
            let page = http
                .get(format!("{addr}/statistics"))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), 200);
            let html = page.text().await.unwrap();
            assert!(html.contains(&format!("lang=\"{lang}\"")), "{lang}");
            assert!(html.contains(">2000<"), "{lang}: no total in the page");
            assert!(html.contains("<svg"), "{lang}");
        }
    });
    let status = crate::serve::stop(child);
    assert!(status.success(), "{status:?}");
}

#[test]
fn generate_refuses_a_database_with_applications_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = wangban(&["migrate", "--data", data]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    one_real_application(&rt, dir.path());
    let real = statistics(&rt, dir.path());
    assert_eq!(real.total("applied"), 1);
    let args = ["stats", "generate", "--applications", "50", "--data", data];
    let out = wangban(&[&args[..], &["--json"]].concat());
    assert_eq!(out.status, 2, "{}", out.stdout);
    assert_eq!(out.json()["error"]["code"], "stats-generate-refused");
    let out = wangban(&[&["--lang", "en"], &args[..]].concat());
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("holds 1 applications"),
        "{}",
        out.stderr
    );
    assert_eq!(statistics(&rt, dir.path()), real, "untouched");
    let out = wangban(&[&args[..], &["--force"]].concat());
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(statistics(&rt, dir.path()).total("applied"), 50);
}

#[test]
fn generate_without_a_database_or_over_days_without_calendar_data_fails_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no").join("such");
    let args = ["stats", "generate", "--applications", "10", "--data"];
    let out = wangban(&[&args[..], &[missing.to_str().unwrap()]].concat());
    assert_eq!(out.status, 2, "{}", out.stdout);
    assert!(!missing.exists(), "no folder made");
    let data = dir.path().to_str().unwrap();
    let out = wangban(&["migrate", "--data", data]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let out = wangban(&[&args[..], &[data, "--from", "2019-01-01", "--json"]].concat());
    assert_eq!(out.status, 2, "{}", out.stdout);
    assert_eq!(out.json()["error"]["code"], "stats-generate-failed");
}
