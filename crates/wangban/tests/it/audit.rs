//! `wangban audit verify` on a real database file, before and after someone with access to
//! the file edits, deletes or forges records.

use std::path::Path;

use chrono::{TimeZone, Utc};
use sqlx::Connection;
use wangban_store::{AuditActor, NewAudit, OfficerId, Store};

use crate::wangban;

async fn write_records(db: &Path, n: i64) {
    let store = Store::open_sqlite(db).await.unwrap();
    for i in 1..=n {
        store
            .audit(&NewAudit {
                at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
                    + chrono::Duration::seconds(i),
                actor: AuditActor::Officer(OfficerId(i)),
                action: format!("officer.view.{i}"),
                application: None,
                detail: serde_json::json!({ "revealed": i % 2 == 0 }),
            })
            .await
            .unwrap();
    }
    store.close().await;
}

/// As an attacker with the database file would: a raw connection, the guards dropped first.
async fn tamper(db: &Path, sql: &str) {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for trigger in [
        "audit_log_append_only_update",
        "audit_log_append_only_delete",
    ] {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS {trigger}"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

fn verify(dir: &Path) -> crate::Output {
    wangban(&["audit", "verify", "--data", dir.to_str().unwrap(), "--json"])
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn verify_passes_then_names_the_edited_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wangban.db");
    rt().block_on(write_records(&db, 6));

    let out = verify(dir.path());
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(
        (v["intact"].as_bool(), v["checked"].as_u64()),
        (Some(true), Some(6))
    );
    assert_eq!(v["last_hash"].as_str().unwrap().len(), 64);
    let zh = wangban(&["audit", "verify", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(zh.status, 0);
    assert!(
        zh.stdout.contains("审计日志完整") && zh.stdout.contains("6"),
        "{}",
        zh.stdout
    );

    rt().block_on(tamper(
        &db,
        "UPDATE audit_log SET detail = '{\"revealed\":false}' WHERE id = 4",
    ));
    let out = verify(dir.path());
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["intact"], false);
    assert_eq!(v["broken"]["id"], 4);
    assert_eq!(v["broken"]["problem"], "hash-mismatch");
    assert_eq!(v["checked"], 3);
    let en = wangban(&[
        "--lang",
        "en",
        "audit",
        "verify",
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(en.status, 1);
    assert!(
        en.stdout.contains("broken at record 4") && en.stdout.contains("edited or forged"),
        "{}",
        en.stdout
    );
}

#[test]
fn verify_catches_a_deleted_middle_record_and_a_forged_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wangban.db");
    rt().block_on(write_records(&db, 5));
    rt().block_on(tamper(&db, "DELETE FROM audit_log WHERE id = 2"));
    let v = verify(dir.path()).json();
    assert_eq!(
        (v["broken"]["id"].as_i64(), v["broken"]["problem"].as_str()),
        (Some(2), Some("gap"))
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wangban.db");
    rt().block_on(write_records(&db, 5));
    rt().block_on(tamper(
        &db,
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, action, application_id, detail,
                                prev_hash, hash)
         SELECT 6, at, 'officer', 1, 'forged', NULL, '{}', hash, hash FROM audit_log WHERE id = 5",
    ));
    let out = verify(dir.path());
    assert_eq!(out.status, 1);
    let v = out.json();
    assert_eq!(
        (v["broken"]["id"].as_i64(), v["broken"]["problem"].as_str()),
        (Some(6), Some("hash-mismatch"))
    );
    assert_eq!(v["checked"], 5);
}

#[test]
fn verify_without_a_database_could_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(&dir.path().join("nothing-here"));
    assert_eq!(out.status, 2);
    assert_eq!(out.json()["error"]["code"], "audit-no-database");
    assert!(
        !dir.path().join("nothing-here").exists(),
        "verify creates nothing"
    );
}
