//! `wangban stats rebuild` on a real data folder: counters wiped behind wangban's back come
//! back from the (encrypted) action logs.

use chrono::{TimeZone, Utc};
use sqlx::Connection;
use wangban_core::calendar::WorkingCalendar;
use wangban_core::state::{Action, Actor, Application, DeliveryMethod, Event};
use wangban_core::stats::{Facets, deltas};
use wangban_store::crypto::KeySettings;
use wangban_store::{Commit, NewApplication, Store};

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
