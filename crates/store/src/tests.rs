//! The store's own tests, on an in-memory database.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::testing::TestStore;

/// The database a conformance test runs on: every test below that takes a `Backend` runs on
/// both (see `on_both_backends!` at the end), with the same assertions.
#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh store: SQLite in memory, or a PostgreSQL database of the test's own.
    async fn store(self) -> TestStore {
        match self {
            Backend::Sqlite => TestStore::sqlite().await,
            Backend::Postgres => TestStore::postgres().await,
        }
    }

    /// A fresh store with several connections, for tests of concurrent writers.
    async fn pooled_store(self, dir: &std::path::Path) -> TestStore {
        match self {
            Backend::Sqlite => TestStore {
                store: unlocked(Store::open_sqlite(&dir.join("w.db")).await.unwrap()).await,
                pg: None,
            },
            Backend::Postgres => TestStore::postgres().await,
        }
    }
}

fn t(h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
}

/// A keyring with one random KEK, as tests configure it.
pub(crate) fn test_keyring() -> crypto::Keyring {
    crate::testing::test_keyring()
}

/// A store unlocked with a fresh keyring.
async fn unlocked(store: Store) -> Store {
    store.unlock(&test_keyring(), t(0)).await.unwrap()
}

async fn draft(store: &Store, number: &str) -> (ApplicantId, ApplicationId) {
    let applicant = store
        .applicant_for_phone("13800000001", t(1))
        .await
        .unwrap();
    let id = store
        .create_application(&NewApplication {
            number: number.into(),
            applicant,
            kind: "passport".into(),
            reason: "expiring_soon".into(),
            state: "draft".into(),
            form: "{}".into(),
            hukou_district: "310101".into(),
            created_at: t(1),
        })
        .await
        .unwrap();
    (applicant, id)
}

fn commit(id: ApplicationId, version: i64, state: &str) -> Commit {
    Commit {
        application: id,
        expected_version: version,
        at: t(2),
        new_state: state.into(),
        due_at: Some(t(20)),
        actor: "applicant".into(),
        officer: None,
        action: "{}".into(),
        form: None,
        claimed_by: None,
        jobs: vec![NewJob {
            kind: "sms".into(),
            payload: "{}".into(),
            run_at: t(2),
            max_attempts: 5,
            dedupe_key: None,
        }],
        audit: vec![NewAudit {
            at: t(2),
            actor: AuditActor::System,
            action: "test".into(),
            application: Some(id),
            detail: serde_json::json!({}),
        }],
        payment_paid: None,
        stats: Vec::new(),
    }
}

async fn applicants_are_created_once_per_phone(b: Backend) {
    let store = b.store().await;
    let a = store
        .applicant_for_phone("13800000001", t(1))
        .await
        .unwrap();
    let b = store
        .applicant_for_phone("13800000001", t(2))
        .await
        .unwrap();
    assert_eq!(a, b);
    let c = store
        .applicant_for_phone("13900000001", t(2))
        .await
        .unwrap();
    assert_ne!(a, c);
}

async fn commit_writes_state_log_jobs_and_audit_together(b: Backend) {
    let store = b.store().await;
    let (_, id) = draft(&store, "A1").await;
    store
        .commit_action(&commit(id, 0, "submitted"))
        .await
        .unwrap();
    let app = store.application(id).await.unwrap();
    assert_eq!((app.state.as_str(), app.version), ("submitted", 1));
    assert_eq!(store.actions(id).await.unwrap().len(), 1);
    assert_eq!(store.jobs(Some("sms")).await.unwrap().len(), 1);
    assert_eq!(store.audit_log(Some(id)).await.unwrap().len(), 2); // create + commit
}

async fn a_stale_version_is_a_conflict_and_writes_nothing(b: Backend) {
    let store = b.store().await;
    let (_, id) = draft(&store, "A1").await;
    store
        .commit_action(&commit(id, 0, "submitted"))
        .await
        .unwrap();
    let err = store
        .commit_action(&commit(id, 0, "withdrawn"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict));
    let app = store.application(id).await.unwrap();
    assert_eq!((app.state.as_str(), app.version), ("submitted", 1));
    assert_eq!(store.actions(id).await.unwrap().len(), 1);
    assert_eq!(store.jobs(None).await.unwrap().len(), 1);
}

async fn a_failing_part_rolls_the_whole_commit_back(b: Backend) {
    let store = b.store().await;
    let (_, id) = draft(&store, "A1").await;
    let mut c = commit(id, 0, "in_production");
    // Paying an order that does not exist fails inside the transaction.
    c.payment_paid = Some(PaymentPaid {
        merchant_order_no: "nope".into(),
        transaction_id: "T1".into(),
        paid_at: t(2),
    });
    assert!(store.commit_action(&c).await.is_err());
    let app = store.application(id).await.unwrap();
    assert_eq!((app.state.as_str(), app.version), ("draft", 0));
    assert!(store.actions(id).await.unwrap().is_empty());
    assert!(store.jobs(None).await.unwrap().is_empty());
}

async fn the_log_and_audit_are_append_only(b: Backend) {
    let store = b.store().await;
    let (_, id) = draft(&store, "A1").await;
    store
        .commit_action(&commit(id, 0, "submitted"))
        .await
        .unwrap();
    let err = query("UPDATE application_actions SET actor = 'x'")
        .execute(&store.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(
        query("DELETE FROM audit_log")
            .execute(&store.pool)
            .await
            .is_err()
    );
}

async fn duplicate_application_numbers_are_reported(b: Backend) {
    let store = b.store().await;
    draft(&store, "A1").await;
    let applicant = store
        .applicant_for_phone("13800000001", t(1))
        .await
        .unwrap();
    let err = store
        .create_application(&NewApplication {
            number: "A1".into(),
            applicant,
            kind: "passport".into(),
            reason: "damaged".into(),
            state: "draft".into(),
            form: "{}".into(),
            hukou_district: "310101".into(),
            created_at: t(1),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate("application number")));
}

async fn jobs_are_leased_once_and_come_back_when_a_lease_runs_out(b: Backend) {
    let store = b.store().await;
    let job = NewJob {
        kind: "k".into(),
        payload: "{}".into(),
        run_at: t(1),
        max_attempts: 3,
        dedupe_key: Some("once".into()),
    };
    store.enqueue(&job, t(1)).await.unwrap();
    store.enqueue(&job, t(1)).await.unwrap(); // deduplicated
    let a = store
        .claim_jobs("w1", t(2), t(2) + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].attempts, 1);
    let b = store
        .claim_jobs("w2", t(2), t(2) + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(b.is_empty(), "leased jobs are not handed out twice");
    // w1 dies; after the lease w2 gets it, and w1 can no longer finish it.
    let later = t(2) + Duration::minutes(2);
    let c = store
        .claim_jobs("w2", later, later + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].attempts, 2);
    assert!(!store.finish_job(a[0].id, "w1", later).await.unwrap());
    assert!(store.finish_job(c[0].id, "w2", later).await.unwrap());
    assert_eq!(store.jobs(None).await.unwrap()[0].status, "done");
}

async fn failed_jobs_retry_then_fail_for_good(b: Backend) {
    let store = b.store().await;
    let job = NewJob {
        kind: "k".into(),
        payload: "{}".into(),
        run_at: t(1),
        max_attempts: 2,
        dedupe_key: None,
    };
    store.enqueue(&job, t(1)).await.unwrap();
    let j = store
        .claim_jobs("w", t(2), t(3), 1)
        .await
        .unwrap()
        .remove(0);
    store
        .fail_job(j.id, "w", "boom", Some(t(4)), t(2))
        .await
        .unwrap();
    assert!(
        store
            .claim_jobs("w", t(3), t(5), 1)
            .await
            .unwrap()
            .is_empty()
    );
    let j = store
        .claim_jobs("w", t(4), t(5), 1)
        .await
        .unwrap()
        .remove(0);
    store
        .fail_job(j.id, "w", "boom again", None, t(4))
        .await
        .unwrap();
    let row = &store.jobs(None).await.unwrap()[0];
    assert_eq!(
        (row.status.as_str(), row.last_error.as_deref()),
        ("failed", Some("boom again"))
    );
}

async fn rate_events_count_within_the_window(b: Backend) {
    let store = b.store().await;
    assert_eq!(store.count_event("s", "k", t(1), t(0)).await.unwrap(), 1);
    assert_eq!(store.count_event("s", "k", t(2), t(0)).await.unwrap(), 2);
    assert_eq!(store.count_event("s", "k", t(5), t(3)).await.unwrap(), 1);
    assert_eq!(
        store.count_event("s", "other", t(5), t(0)).await.unwrap(),
        1
    );
    assert_eq!(store.count_event("s2", "k", t(5), t(0)).await.unwrap(), 1);
}

fn claim(scope: &str, key: &str, owner: &str) -> KeyClaim {
    KeyClaim {
        scope: scope.into(),
        key: key.into(),
        owner: owner.into(),
    }
}

async fn idempotency_keys_are_reserved_once(b: Backend) {
    let store = b.store().await;
    // Reservations made at t(1); a reservation made before t(0) counts as cut off (none is).
    let reserve = |key: &'static str, owner: &'static str| {
        let store = store.clone();
        async move {
            store
                .reserve_key("s", key, "h", owner, t(1), t(0))
                .await
                .unwrap()
        }
    };
    let first = claim("s", "k", "o1");
    assert_eq!(
        reserve("k", "o1").await,
        Reservation::Reserved(first.clone())
    );
    assert_eq!(
        reserve("k", "o2").await,
        Reservation::Running {
            request_hash: "h".into()
        },
        "the first request is still running"
    );
    store.complete_key(&first, 201, "{}").await.unwrap();
    let done = Reservation::Answered(StoredAnswer {
        request_hash: "h".into(),
        status: 201,
        body: "{}".into(),
    });
    assert_eq!(reserve("k", "o3").await, done);
    // A failed request's reservation is released; a completed one is not.
    let other = claim("s", "other", "o4");
    assert_eq!(
        reserve("other", "o4").await,
        Reservation::Reserved(other.clone())
    );
    store
        .release_key(&claim("s", "other", "not-the-owner"))
        .await
        .unwrap();
    assert!(matches!(
        reserve("other", "o5").await,
        Reservation::Running { .. }
    ));
    store.release_key(&other).await.unwrap();
    assert_eq!(
        reserve("other", "o6").await,
        Reservation::Reserved(claim("s", "other", "o6"))
    );
    store.release_key(&first).await.unwrap();
    assert_eq!(reserve("k", "o7").await, done);
}

/// Reserves `(scope, key)` at hour `h`, a reservation from before hour `h - 1` counting as cut off.
async fn reserve(
    store: &Store,
    scope: &str,
    key: &str,
    hash: &str,
    owner: &str,
    h: u32,
) -> Reservation {
    store
        .reserve_key(scope, key, hash, owner, t(h), t(h - 1))
        .await
        .unwrap()
}

async fn idempotency_keys_recover_from_a_crash(b: Backend) {
    let store = b.store().await;
    let (_, app) = draft(&store, "A1").await;
    // A request reserved its key at t(1) and died before committing: a retry before the
    // takeover age waits, one after takes the key over under its own token.
    let dead = claim("s", "k", "dead");
    assert_eq!(
        reserve(&store, "s", "k", "h", "dead", 1).await,
        Reservation::Reserved(dead.clone())
    );
    assert!(matches!(
        reserve(&store, "s", "k", "h", "early", 2).await,
        Reservation::Running { .. }
    ));
    assert!(
        matches!(
            reserve(&store, "s", "k", "other-request", "x", 5).await,
            Reservation::Running { ref request_hash } if request_hash == "h"
        ),
        "a different request under the key never takes it over"
    );
    let retry = claim("s", "k", "retry");
    assert_eq!(
        reserve(&store, "s", "k", "h", "retry", 5).await,
        Reservation::Reserved(retry.clone())
    );
    // The request that lost its reservation cannot commit (the fence), nor answer.
    assert!(matches!(
        store
            .commit_action_for_key(&commit(app, 0, "submitted"), Some(&dead))
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.application(app).await.unwrap().version,
        0,
        "rolled back"
    );
    store.complete_key(&dead, 500, "{}").await.unwrap();
    // The retry commits; its answer is then lost (the process dies): the next retry learns
    // that the action was applied, and to which application, instead of running it again.
    store
        .commit_action_for_key(&commit(app, 0, "submitted"), Some(&retry))
        .await
        .unwrap();
    store.release_key(&retry).await.unwrap();
    let applied = Reservation::Applied {
        request_hash: "h".into(),
        application: app,
    };
    assert_eq!(
        reserve(&store, "s", "k", "h", "late", 9).await,
        applied,
        "an applied key is never taken over, however old"
    );
    store
        .complete_applied_key("s", "k", 200, "{\"rebuilt\":1}")
        .await
        .unwrap();
    store
        .complete_applied_key("s", "k", 200, "{\"second\":1}")
        .await
        .unwrap();
    assert_eq!(
        reserve(&store, "s", "k", "h", "later", 9).await,
        Reservation::Answered(StoredAnswer {
            request_hash: "h".into(),
            status: 200,
            body: "{\"rebuilt\":1}".into(),
        })
    );
    // A draft created under a key is marked the same way.
    let create = claim("c", "k", "o");
    reserve(&store, "c", "k", "h", "o", 1).await;
    let id = store
        .create_application_for_key(
            &NewApplication {
                number: "A2".into(),
                applicant: store
                    .applicant_for_phone("13800000002", t(1))
                    .await
                    .unwrap(),
                kind: "passport".into(),
                reason: "expiring_soon".into(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: "310101".into(),
                created_at: t(1),
            },
            Some(&create),
        )
        .await
        .unwrap();
    assert_eq!(
        reserve(&store, "c", "k", "h", "o2", 9).await,
        Reservation::Applied {
            request_hash: "h".into(),
            application: id
        }
    );
}

async fn queue_sorts_by_deadline_and_filters(b: Backend) {
    let store = b.store().await;
    let (_, a) = draft(&store, "A1").await;
    let (_, b) = draft(&store, "A2").await;
    let mut ca = commit(a, 0, "submitted");
    ca.due_at = Some(t(10));
    let mut cb = commit(b, 0, "submitted");
    cb.due_at = Some(t(5));
    store.commit_action(&ca).await.unwrap();
    store.commit_action(&cb).await.unwrap();
    let q = store
        .queue(&QueueFilter {
            states: vec!["submitted".into()],
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        q.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
        ["A2", "A1"]
    );
    let q = store
        .queue(&QueueFilter {
            states: vec!["submitted".into()],
            kind: Some("hk_macao_permit".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(q.is_empty());
}

#[tokio::test]
async fn wal_mode_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = unlocked(Store::open_sqlite(&dir.path().join("w.db")).await.unwrap()).await;
    let row = query("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), "wal");
}

async fn upload_checks_and_judgement_requests_are_kept_and_cleared_by_a_new_upload(b: Backend) {
    let store = b.store().await;
    let (_, id) = draft(&store, "A1").await;
    let mut row = UploadRow {
        application: id,
        slot: "id_photo".into(),
        blob_key: "k1".into(),
        content_type: "image/jpeg".into(),
        size: 10,
        sha256: "k1".into(),
        uploaded_at: t(1),
        overall: "fail".into(),
        report: "{\"checks\":[]}".into(),
        normalised_key: Some("n1".into()),
        overlay_key: Some("o1".into()),
        judgement_requested: None,
        judgement_requested_at: None,
    };
    store.put_upload(&row).await.unwrap();
    store
        .request_judgement(id, "id_photo", "我戴眼镜是医嘱", t(2))
        .await
        .unwrap();
    assert!(matches!(
        store.request_judgement(id, "signature", "x", t(2)).await,
        Err(StoreError::NotFound)
    ));
    let got = &store.uploads(id).await.unwrap()[0];
    assert_eq!(got.overall, "fail");
    assert_eq!(got.normalised_key.as_deref(), Some("n1"));
    assert_eq!(got.judgement_requested.as_deref(), Some("我戴眼镜是医嘱"));
    store
        .commit_action(&commit(id, 0, "submitted"))
        .await
        .unwrap();
    let judged = store
        .queue(&QueueFilter {
            states: vec!["submitted".into()],
            judgement_requested: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(judged.len(), 1);
    // A new upload replaces the file, its verdict, and the request.
    row.overall = "pass".into();
    row.blob_key = "k2".into();
    store.put_upload(&row).await.unwrap();
    let got = &store.uploads(id).await.unwrap()[0];
    assert_eq!(
        (got.overall.as_str(), got.judgement_requested.as_deref()),
        ("pass", None)
    );
    let judged = store
        .queue(&QueueFilter {
            states: vec!["submitted".into()],
            judgement_requested: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(judged.is_empty());
}

async fn ops_counts_jobs_overdue_applications_and_live_sessions(b: Backend) {
    let store = b.store().await;
    let (_, a) = draft(&store, "A1").await;
    let (_, b) = draft(&store, "A2").await;
    let mut ca = commit(a, 0, "awaiting_payment");
    ca.due_at = Some(t(10));
    let mut cb = commit(b, 0, "submitted");
    cb.due_at = Some(t(20));
    store.commit_action(&ca).await.unwrap();
    store.commit_action(&cb).await.unwrap();
    let counts = store.ops_counts(t(12)).await.unwrap();
    assert_eq!(counts.overdue, [("awaiting_payment".to_owned(), 1)]);
    assert_eq!(counts.jobs, [("sms".to_owned(), "pending".to_owned(), 2)]);
    assert!(counts.sessions.is_empty());
    assert_eq!(store.ops_counts(t(21)).await.unwrap().overdue.len(), 2);
}

#[tokio::test]
async fn a_backup_copy_is_consistent_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let store = unlocked(Store::open_sqlite(&path).await.unwrap()).await;
    let (_, a) = draft(&store, "A1").await;
    store
        .commit_action(&commit(a, 0, "submitted"))
        .await
        .unwrap();
    // Taken while the store is open and has written (WAL not yet checkpointed).
    let copy = dir.path().join("copy.db");
    ops::backup_sqlite(&path, &copy).await.unwrap();
    assert_eq!(ops::check_sqlite(&copy).await.unwrap(), 1);
    assert!(
        ops::backup_sqlite(&path, &copy).await.is_err(),
        "never overwrites"
    );
    std::fs::write(dir.path().join("junk.db"), b"not a database").unwrap();
    assert!(
        ops::check_sqlite(&dir.path().join("junk.db"))
            .await
            .is_err()
    );
    store.close().await;
}

// ----- the audit chain -----------------------------------------------------------------------

fn audit_entry(n: i64) -> NewAudit {
    NewAudit {
        at: t(3) + Duration::seconds(n),
        actor: if n % 2 == 0 {
            AuditActor::Officer(OfficerId(n))
        } else {
            AuditActor::System
        },
        action: format!("test.{n}"),
        application: None,
        detail: serde_json::json!({ "n": n }),
    }
}

async fn audited_store(b: Backend, records: i64) -> TestStore {
    let store = b.store().await;
    for n in 1..=records {
        store.audit(&audit_entry(n)).await.unwrap();
    }
    store
}

/// What an attacker with the database file does first.
async fn drop_guards(store: &Store) {
    let triggers: &[&str] = if store.pool.is_postgres() {
        &[
            "audit_log_append_only_update ON audit_log",
            "audit_log_append_only_delete ON audit_log",
            "audit_chain_head_forward ON audit_chain_head",
        ]
    } else {
        &[
            "audit_log_append_only_update",
            "audit_log_append_only_delete",
            "audit_chain_head_forward",
            "audit_chain_head_no_delete",
        ]
    };
    for trigger in triggers {
        query(&format!("DROP TRIGGER {trigger}"))
            .execute(&store.pool)
            .await
            .unwrap();
    }
}

fn broken_at(report: &ChainReport) -> Option<(i64, ChainProblem)> {
    report.broken.map(|b| (b.id, b.problem))
}

async fn an_untouched_chain_verifies_and_links_each_record_to_the_last(b: Backend) {
    let store = audited_store(b, 5).await;
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 5);
    let rows = store.audit_log(None).await.unwrap();
    assert_eq!(rows[0].prev_hash.as_deref(), Some(audit_chain::GENESIS));
    assert_eq!(rows[1].prev_hash, rows[0].hash);
    assert_eq!(report.last_hash, rows[4].hash.clone().unwrap());
    // An empty log is intact too.
    let empty = b.store().await;
    let report = empty.verify_audit_chain().await.unwrap();
    assert_eq!((report.checked, report.intact()), (0, true));
}

async fn the_triggers_still_refuse_edits_and_deletions(b: Backend) {
    let store = audited_store(b, 2).await;
    for sql in [
        "UPDATE audit_log SET detail = '{}' WHERE id = 1",
        "UPDATE audit_log SET hash = NULL WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 2",
        "UPDATE audit_chain_head SET last_id = 1",
    ] {
        assert!(query(sql).execute(&store.pool).await.is_err(), "{sql}");
    }
}

async fn an_edited_record_is_named(b: Backend) {
    let store = audited_store(b, 5).await;
    drop_guards(&store).await;
    query("UPDATE audit_log SET detail = '{\"n\":30}' WHERE id = 3")
        .execute(&store.pool)
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(broken_at(&report), Some((3, ChainProblem::HashMismatch)));
    assert_eq!(report.checked, 2);
}

async fn a_deleted_middle_record_is_named(b: Backend) {
    let store = audited_store(b, 5).await;
    drop_guards(&store).await;
    query("DELETE FROM audit_log WHERE id = 3")
        .execute(&store.pool)
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(broken_at(&report), Some((3, ChainProblem::Gap)));
}

async fn a_forged_last_record_is_named(b: Backend) {
    let store = audited_store(b, 3).await;
    drop_guards(&store).await;
    let last = store.audit_log(None).await.unwrap().pop().unwrap();
    // Chained to the right record, but its own hash is made up.
    query(
        "INSERT INTO audit_log (id, at, actor_kind, actor_id, action, application_id, detail,
                                prev_hash, hash)
         VALUES (4, '2026-03-02T03:00:09+00:00', 'officer', 2, 'forged', NULL, '{}', $1, $2)",
    )
    .bind(last.hash.unwrap())
    .bind("ab".repeat(32))
    .execute(&store.pool)
    .await
    .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(broken_at(&report), Some((4, ChainProblem::HashMismatch)));
    assert_eq!(report.checked, 3);
}

async fn a_cut_off_end_and_a_row_past_the_head_are_named(b: Backend) {
    let store = audited_store(b, 4).await;
    drop_guards(&store).await;
    query("DELETE FROM audit_log WHERE id = 4")
        .execute(&store.pool)
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(broken_at(&report), Some((4, ChainProblem::Truncated)));

    // A correctly hashed record that wangban did not append (the head was left alone).
    let store = audited_store(b, 2).await;
    drop_guards(&store).await;
    query("UPDATE audit_chain_head SET last_id = 1, last_hash = (SELECT hash FROM audit_log WHERE id = 1)")
        .execute(&store.pool)
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(broken_at(&report), Some((2, ChainProblem::BeyondHead)));
}

async fn rows_from_before_the_chain_are_chained_at_migration(b: Backend) {
    let store = audited_store(b, 3).await;
    let before = store.audit_log(None).await.unwrap();
    // As they were before migration 0004: no hashes, the head at the genesis.
    drop_guards(&store).await;
    query("UPDATE audit_log SET prev_hash = NULL, hash = NULL")
        .execute(&store.pool)
        .await
        .unwrap();
    query("UPDATE audit_chain_head SET last_id = 0, last_hash = $1")
        .bind(audit_chain::GENESIS)
        .execute(&store.pool)
        .await
        .unwrap();
    assert_eq!(
        broken_at(&store.verify_audit_chain().await.unwrap()),
        Some((1, ChainProblem::MissingHash))
    );
    store.migrate().await.unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.intact(), "{report:?}");
    // The same hashes as when they were appended: one encoding for both paths.
    let after = store.audit_log(None).await.unwrap();
    let hashes = |rows: &[AuditRow]| rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>();
    assert_eq!(hashes(&before), hashes(&after));
    store.audit(&audit_entry(4)).await.unwrap();
    assert!(store.verify_audit_chain().await.unwrap().intact());
}

async fn concurrent_writers_do_not_fork_the_chain(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let store = b.pooled_store(dir.path()).await;
    let (_, id) = draft(&store, "A1").await; // one record through create_application
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.store.clone();
        tasks.push(tokio::spawn(async move {
            store.audit(&audit_entry(n)).await.unwrap();
        }));
    }
    store
        .commit_action(&commit(id, 0, "submitted"))
        .await
        .unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 42);
}

async fn auditors_page_newest_first_and_filter(b: Backend) {
    let store = audited_store(b, 6).await;
    let page = |before, officer, limit| AuditFilter {
        before,
        application: None,
        officer,
        limit,
    };
    let first = store.audit_page(&page(None, None, 4)).await.unwrap();
    assert_eq!(first.iter().map(|r| r.id).collect::<Vec<_>>(), [6, 5, 4, 3]);
    let next = store.audit_page(&page(Some(3), None, 4)).await.unwrap();
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 1]);
    let officer = store
        .audit_page(&page(None, Some(OfficerId(4)), 10))
        .await
        .unwrap();
    assert_eq!(officer.iter().map(|r| r.id).collect::<Vec<_>>(), [4]);
}

async fn new_officer(store: &Store, username: &str, role: &str) -> OfficerId {
    store
        .create_officer(
            &NewOfficer {
                username: username.into(),
                display_name: username.into(),
                password_hash: "x".into(),
                totp_secret: "x".into(),
                role: role.into(),
            },
            t(0),
        )
        .await
        .unwrap()
}

/// Commits `event` on `id` at `at` by `actor` (an officer's id when `officer`), as the server
/// does: the action's JSON as the core writes it.
async fn step(
    store: &Store,
    id: ApplicationId,
    version: i64,
    at: Timestamp,
    actor: wangban_core::state::Actor,
    officer: Option<OfficerId>,
    event: wangban_core::state::Event,
) {
    let action = wangban_core::state::Action::new(at, actor, event);
    let c = Commit {
        at,
        actor: actor.code().into(),
        officer,
        action: serde_json::to_string(&action).unwrap(),
        jobs: vec![],
        audit: vec![],
        ..commit(id, version, "under_review")
    };
    store.commit_action(&c).await.unwrap();
}

async fn officers_throughput_counts_each_officers_steps_in_the_window(b: Backend) {
    use wangban_core::state::{
        Actor, CorrectionItem, CorrectionReason, CorrectionSubject, DeliveryMethod, Event,
    };
    let store = b.store().await;
    let ana = new_officer(&store, "ana", "reviewer").await;
    let bo = new_officer(&store, "bo", "reviewer").await;
    let chen = new_officer(&store, "chen", "production_operator").await;
    // Window: 2 March 00:00 (inclusive) to 3 March 00:00 UTC (exclusive).
    let from = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let until = from + Duration::days(1);
    let before = from - Duration::seconds(1);
    let mut apps = vec![];
    for n in 1..=4 {
        apps.push(draft(&store, &format!("A{n}")).await.1);
    }
    let submit = Event::Submit {
        delivery: DeliveryMethod::Mail,
    };
    let correction = || Event::RequestCorrection {
        items: vec![CorrectionItem {
            subject: CorrectionSubject::IdPhoto,
            reason: CorrectionReason::PhotoBackground,
        }],
        note: None,
    };
    let r = Actor::Reviewer;
    // A1: the applicant submits (no officer), ana claims just before the window, then
    // approves at its first instant.
    step(
        &store,
        apps[0],
        0,
        before,
        Actor::Applicant,
        None,
        submit.clone(),
    )
    .await;
    step(&store, apps[0], 1, before, r, Some(ana), Event::Claim).await;
    step(
        &store,
        apps[0],
        2,
        from,
        r,
        Some(ana),
        Event::Approve { fee_fen: 12000 },
    )
    .await;
    // A2: ana claims and asks for a correction, inside the window.
    step(
        &store,
        apps[1],
        0,
        from,
        Actor::Applicant,
        None,
        submit.clone(),
    )
    .await;
    step(&store, apps[1], 1, t(3), r, Some(ana), Event::Claim).await;
    step(&store, apps[1], 2, t(4), r, Some(ana), correction()).await;
    // A3: bo claims and asks for a correction; the applicant's answer is no officer's step;
    // bo claims again at the window's end (exclusive: not counted).
    step(
        &store,
        apps[2],
        0,
        t(1),
        Actor::Applicant,
        None,
        submit.clone(),
    )
    .await;
    step(&store, apps[2], 1, t(5), r, Some(bo), Event::Claim).await;
    step(&store, apps[2], 2, t(6), r, Some(bo), correction()).await;
    let correct = Event::Correct {
        delivery: DeliveryMethod::Mail,
    };
    step(&store, apps[2], 3, t(7), Actor::Applicant, None, correct).await;
    step(&store, apps[2], 4, until, r, Some(bo), Event::Claim).await;
    // A4: bo rejects; chen records production; the production centre's own record has no
    // officer.
    step(&store, apps[3], 0, t(1), Actor::Applicant, None, submit).await;
    step(&store, apps[3], 1, t(8), r, Some(bo), Event::Claim).await;
    let produced = |n: &str| Event::Produced {
        document_number: n.into(),
    };
    step(
        &store,
        apps[3],
        2,
        t(9),
        Actor::ProductionOperator,
        Some(chen),
        produced("E1"),
    )
    .await;
    step(
        &store,
        apps[3],
        3,
        t(10),
        Actor::ProductionCentre,
        None,
        produced("E2"),
    )
    .await;

    let got: Vec<(OfficerId, String, u64)> = store
        .officer_throughput(from, until)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.officer, t.event, t.count))
        .collect();
    let want = |o: OfficerId, e: &str, n: u64| (o, e.to_owned(), n);
    assert_eq!(
        got,
        vec![
            want(ana, "approve", 1),
            want(ana, "claim", 1),
            want(ana, "request_correction", 1),
            want(bo, "claim", 2),
            want(bo, "request_correction", 1),
            want(chen, "produced", 1),
        ]
    );
    // The day before holds only ana's first claim; an empty window counts nothing.
    let day_before = store
        .officer_throughput(from - Duration::days(1), from)
        .await
        .unwrap();
    assert_eq!(
        day_before,
        vec![OfficerTally {
            officer: ana,
            event: "claim".into(),
            count: 1
        }]
    );
    assert!(
        store
            .officer_throughput(until + Duration::days(1), until + Duration::days(2))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn log_rows_from_before_the_event_column_get_their_code_once(b: Backend) {
    use wangban_core::state::{Action, Actor, Event};
    let store = b.store().await;
    let ana = new_officer(&store, "ana", "reviewer").await;
    let (_, id) = draft(&store, "A1").await;
    // Rows as an older wangban wrote them: no event code; one sealed, one still clear (the
    // sealing pass of migration 0005 has not run on it yet), one unreadable.
    let claim = serde_json::to_string(&Action::new(t(3), Actor::Reviewer, Event::Claim)).unwrap();
    let release =
        serde_json::to_string(&Action::new(t(4), Actor::Reviewer, Event::Release)).unwrap();
    let sealed = store
        .seal(sealed::col::ACTION, &[&id.0.to_string(), "1"], &claim)
        .unwrap();
    for (seq, at, action) in [
        (1, t(3), sealed),
        (2, t(4), release),
        (3, t(5), "{}".into()),
    ] {
        query(
            "INSERT INTO application_actions (application_id, seq, at, actor, officer_id, action)
             VALUES ($1, $2, $3, 'reviewer', $4, $5)",
        )
        .bind(id.0)
        .bind(seq)
        .bind(at)
        .bind(ana.0)
        .bind(action)
        .execute(&store.pool)
        .await
        .unwrap();
    }
    let window = (t(0), t(23));
    assert!(
        store
            .officer_throughput(window.0, window.1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.fill_missing_events().await.unwrap(), 2);
    let counts: Vec<(String, u64)> = store
        .officer_throughput(window.0, window.1)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.event, t.count))
        .collect();
    assert_eq!(counts, [("claim".into(), 1), ("release".into(), 1)]);
    // Once only: nothing more to fill, and a code once set cannot be changed.
    assert_eq!(store.fill_missing_events().await.unwrap(), 0);
    let err = query("UPDATE application_actions SET event = 'approve' WHERE seq = 1")
        .execute(&store.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    // Filling the code is the only change the trigger lets through with it.
    let err = query("UPDATE application_actions SET event = 'claim', actor = 'x' WHERE seq = 3")
        .execute(&store.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

/// The throughput query reads the window through its index, not the whole log (SQLite's plan;
/// PostgreSQL's planner picks by table statistics, so a tiny test table says nothing there).
#[tokio::test]
async fn the_throughput_query_searches_the_time_index() {
    let store = TestStore::sqlite().await;
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT officer_id, event, COUNT(*) FROM application_actions
         WHERE at >= ?1 AND at < ?2 AND officer_id IS NOT NULL AND event IS NOT NULL
         GROUP BY officer_id, event ORDER BY officer_id, event",
    )
    .bind(t(0))
    .bind(t(5))
    .fetch_all(store.pool.sqlite())
    .await
    .unwrap();
    let detail: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    assert!(
        detail.iter().any(|d| d.contains(
            "SEARCH application_actions USING COVERING INDEX \
             application_actions_at_officer_event (at>? AND at<?)"
        )),
        "{detail:?}"
    );
}

/// Runs each listed test on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_backends!(
    applicants_are_created_once_per_phone,
    commit_writes_state_log_jobs_and_audit_together,
    a_stale_version_is_a_conflict_and_writes_nothing,
    a_failing_part_rolls_the_whole_commit_back,
    the_log_and_audit_are_append_only,
    duplicate_application_numbers_are_reported,
    jobs_are_leased_once_and_come_back_when_a_lease_runs_out,
    failed_jobs_retry_then_fail_for_good,
    rate_events_count_within_the_window,
    idempotency_keys_are_reserved_once,
    idempotency_keys_recover_from_a_crash,
    queue_sorts_by_deadline_and_filters,
    upload_checks_and_judgement_requests_are_kept_and_cleared_by_a_new_upload,
    ops_counts_jobs_overdue_applications_and_live_sessions,
    an_untouched_chain_verifies_and_links_each_record_to_the_last,
    the_triggers_still_refuse_edits_and_deletions,
    an_edited_record_is_named,
    a_deleted_middle_record_is_named,
    a_forged_last_record_is_named,
    a_cut_off_end_and_a_row_past_the_head_are_named,
    rows_from_before_the_chain_are_chained_at_migration,
    concurrent_writers_do_not_fork_the_chain,
    auditors_page_newest_first_and_filter,
    officers_throughput_counts_each_officers_steps_in_the_window,
    log_rows_from_before_the_event_column_get_their_code_once,
);
