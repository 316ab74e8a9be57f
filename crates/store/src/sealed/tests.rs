//! Sealed columns: what the raw rows hold, lookups through blind indexes, values moved to
//! another row or column, and the pass that seals rows from before migration 0005.

use chrono::{TimeZone, Utc};
use sqlx::Row;

use crate::crypto::CryptoError;
use crate::tests::test_keyring;
use crate::*;

const PHONE: &str = "13800000001";
const NAME: &str = "陈静怡";
const ID_NUMBER: &str = "31010519491231002x";
const STREET: &str = "漕溪北路88号";
const NOTE: &str = "请核对姓名 CHEN JINGYI";

fn t(h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
}

async fn unlocked() -> Store {
    Store::open_memory()
        .await
        .unwrap()
        .unlock(&test_keyring(), t(0))
        .await
        .unwrap()
}

fn form() -> String {
    serde_json::json!({
        "pinyin_surname": "CHEN", "pinyin_given": "JINGYI", "contact_phone": PHONE,
        "delivery": { "method": "mail", "address": { "recipient": NAME, "street": STREET } }
    })
    .to_string()
}

/// Every value of every table, as the bytes SQLite holds (text as UTF-8, numbers as text).
async fn dump(store: &Store) -> Vec<(String, String, Vec<u8>)> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(store.pool.sqlite())
            .await
            .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({table})"))
            .fetch_all(store.pool.sqlite())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(1))
            .collect();
        for column in columns {
            let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
                r#"SELECT CAST("{column}" AS BLOB) FROM "{table}""#
            ))
            .fetch_all(store.pool.sqlite())
            .await
            .unwrap();
            for v in values.into_iter().flatten() {
                out.push((table.clone(), column.clone(), v));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Fails naming the table and column where a clear value is found.
async fn assert_nothing_clear(store: &Store, secrets: &[&str]) {
    let dump = dump(store).await;
    assert!(dump.len() > 20, "the dump reads the tables");
    for (table, column, value) in &dump {
        for secret in secrets {
            assert!(
                !contains(value, secret.as_bytes()),
                "{secret:?} in clear in {table}.{column}"
            );
        }
    }
}

/// An applicant with an identity, a draft with a form, an action with a note, a job, a
/// failed job, an answer, a judgement request and counted events: every sealed column.
async fn populate(store: &Store) -> (ApplicantId, ApplicationId) {
    let applicant = store.applicant_for_phone(PHONE, t(1)).await.unwrap();
    store
        .set_identity(applicant, NAME, ID_NUMBER, t(1))
        .await
        .unwrap();
    let app = store
        .create_application(&NewApplication {
            number: "A1".into(),
            applicant,
            kind: "passport".into(),
            reason: "expiring_soon".into(),
            state: "draft".into(),
            form: form(),
            hukou_district: "310104".into(),
            created_at: t(1),
        })
        .await
        .unwrap();
    store
        .commit_action(&Commit {
            application: app,
            expected_version: 0,
            at: t(2),
            new_state: "correction_requested".into(),
            due_at: None,
            actor: "reviewer".into(),
            officer: None,
            action: serde_json::json!({ "note": NOTE }).to_string(),
            form: Some(form()),
            claimed_by: None,
            jobs: vec![NewJob {
                kind: "sms".into(),
                payload: serde_json::json!({ "to": PHONE }).to_string(),
                run_at: t(2),
                max_attempts: 2,
                dedupe_key: None,
            }],
            audit: vec![],
            payment_paid: None,
            stats: Vec::new(),
        })
        .await
        .unwrap();
    let job = store.claim_jobs("w", t(3), t(4), 1).await.unwrap();
    assert_eq!(
        job[0].payload,
        serde_json::json!({ "to": PHONE }).to_string()
    );
    store
        .fail_job(
            job[0].id,
            "w",
            &format!("gateway refused {PHONE}"),
            None,
            t(3),
        )
        .await
        .unwrap();
    let claim = match store
        .reserve_key("s", "k", "h", "o", t(1), t(0))
        .await
        .unwrap()
    {
        crate::Reservation::Reserved(claim) => claim,
        other => panic!("not reserved: {other:?}"),
    };
    store
        .complete_key(&claim, 200, &format!("{{\"name\":\"{NAME}\"}}"))
        .await
        .unwrap();
    store
        .put_upload(&UploadRow {
            application: app,
            slot: "id_photo".into(),
            blob_key: "b".into(),
            content_type: "image/jpeg".into(),
            size: 1,
            sha256: "00".into(),
            uploaded_at: t(1),
            overall: "fail".into(),
            report: "{}".into(),
            normalised_key: None,
            overlay_key: None,
            judgement_requested: None,
            judgement_requested_at: None,
        })
        .await
        .unwrap();
    store
        .request_judgement(app, "id_photo", &format!("{NAME} wears a hijab"), t(2))
        .await
        .unwrap();
    store.put_otp(PHONE, "hash", t(2), t(1)).await.unwrap();
    store
        .count_event("otp-phone", PHONE, t(1), t(0))
        .await
        .unwrap();
    store
        .count_event("otp-addr", "2001:db8::1", t(1), t(0))
        .await
        .unwrap();
    (applicant, app)
}

#[tokio::test]
async fn raw_rows_hold_no_personal_data_and_the_store_reads_it_back() {
    let store = unlocked().await;
    let (applicant, app) = populate(&store).await;
    assert_nothing_clear(
        &store,
        &[
            PHONE,
            NAME,
            ID_NUMBER,
            "310105194912",
            STREET,
            "JINGYI",
            "核对",
            "2001:db8",
        ],
    )
    .await;
    let raw = sqlx::query("SELECT phone, name, id_number FROM applicants")
        .fetch_one(store.pool.sqlite())
        .await
        .unwrap();
    for i in 0..3 {
        assert!(is_sealed(&raw.get::<String, _>(i)), "column {i}");
    }

    let a = store.applicant(applicant).await.unwrap();
    assert_eq!(
        (a.phone.as_str(), a.name.as_deref(), a.id_number.as_deref()),
        (PHONE, Some(NAME), Some(ID_NUMBER))
    );
    assert_eq!(store.application(app).await.unwrap().form, form());
    assert_eq!(
        store
            .application_by_number("A1")
            .await
            .unwrap()
            .unwrap()
            .form,
        form()
    );
    assert!(store.actions(app).await.unwrap()[0].action.contains(NOTE));
    let jobs = store.jobs(None).await.unwrap();
    assert_eq!(
        jobs[0].last_error.as_deref(),
        Some(format!("gateway refused {PHONE}").as_str())
    );
    let answer = store.idempotent_answer("s", "k").await.unwrap().unwrap();
    assert!(answer.body.contains(NAME));
    let uploads = store.uploads(app).await.unwrap();
    assert!(
        uploads[0]
            .judgement_requested
            .as_deref()
            .unwrap()
            .contains(NAME)
    );
    assert_eq!(store.otp(PHONE).await.unwrap().unwrap().code_hash, "hash");
}

#[tokio::test]
async fn lookups_go_through_the_blind_indexes() {
    let store = unlocked().await;
    let (applicant, _) = populate(&store).await;
    assert_eq!(
        store.applicant_for_phone(PHONE, t(5)).await.unwrap(),
        applicant
    );
    let other = store
        .applicant_for_phone("13900000009", t(5))
        .await
        .unwrap();
    assert_ne!(other, applicant);
    // The ID number's final x in either case.
    for id in [ID_NUMBER, "31010519491231002X"] {
        assert_eq!(
            store.applicants_with_id_number(id).await.unwrap(),
            vec![applicant]
        );
    }
    assert!(
        store
            .applicants_with_id_number("440524188001010014")
            .await
            .unwrap()
            .is_empty()
    );
    // The code is keyed by the number's index, which is the applicant's.
    let (index, otp_index): (String, String) = (
        sqlx::query_scalar("SELECT phone_index FROM applicants WHERE id = $1")
            .bind(applicant.0)
            .fetch_one(store.pool.sqlite())
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT phone_index FROM otp_codes")
            .fetch_one(store.pool.sqlite())
            .await
            .unwrap(),
    );
    assert_eq!((index.len(), &index), (64, &otp_index));
    assert_eq!(store.bump_otp_attempts(PHONE).await.unwrap(), 1);
    store.delete_otp(PHONE).await.unwrap();
    assert!(store.otp(PHONE).await.unwrap().is_none());
    // Rate limits count per subject through the index.
    assert_eq!(
        store
            .count_event("otp-phone", PHONE, t(2), t(0))
            .await
            .unwrap(),
        2
    );
    // The uniqueness of a number is the index's: a second row for it is refused.
    let err =
        sqlx::query("INSERT INTO applicants (phone, phone_index, created_at) VALUES ('x', $1, $2)")
            .bind(&index)
            .bind(t(1))
            .execute(store.pool.sqlite())
            .await
            .unwrap_err();
    assert!(err.as_database_error().unwrap().is_unique_violation());
}

async fn copy(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool.sqlite()).await.unwrap();
}

fn is_tampered<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(StoreError::Crypto(CryptoError::Tampered)))
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_row_or_column_does_not_open() {
    let store = unlocked().await;
    let (a, app) = populate(&store).await;
    let b = store
        .applicant_for_phone("13900000009", t(5))
        .await
        .unwrap();
    store
        .set_identity(b, "王建国", "310103197807020133", t(5))
        .await
        .unwrap();
    // A's ID number into B's row: B does not take A's identity, the read fails.
    copy(
        &store,
        &format!(
            "UPDATE applicants SET id_number = (SELECT id_number FROM applicants WHERE id = {})
             WHERE id = {}",
            a.0, b.0
        ),
    )
    .await;
    assert!(is_tampered(store.applicant(b).await));
    assert!(store.applicant(a).await.is_ok());
    // A's name into A's ID-number column.
    copy(
        &store,
        &format!("UPDATE applicants SET id_number = name WHERE id = {}", a.0),
    )
    .await;
    assert!(is_tampered(store.applicant(a).await));
    // A form into another application.
    let other = store
        .create_application(&NewApplication {
            number: "A2".into(),
            applicant: b,
            kind: "passport".into(),
            reason: "damaged".into(),
            state: "draft".into(),
            form: "{}".into(),
            hukou_district: "310101".into(),
            created_at: t(5),
        })
        .await
        .unwrap();
    copy(
        &store,
        "UPDATE applications SET form = (SELECT form FROM applications WHERE number = 'A1')
         WHERE number = 'A2'",
    )
    .await;
    assert!(is_tampered(store.application(other).await));
    assert!(store.application(app).await.is_ok());
    // A clear value written behind the store's back is refused, not passed through.
    copy(
        &store,
        "UPDATE applications SET form = '{}' WHERE number = 'A1'",
    )
    .await;
    assert!(matches!(
        store.application(app).await,
        Err(StoreError::Crypto(CryptoError::Malformed(_)))
    ));
}

#[tokio::test]
async fn a_locked_store_refuses_personal_data() {
    let store = Store::open_memory().await.unwrap();
    assert!(matches!(
        store.applicant_for_phone(PHONE, t(1)).await,
        Err(StoreError::Locked)
    ));
    assert!(matches!(
        store.count_event("otp-phone", PHONE, t(1), t(0)).await,
        Err(StoreError::Locked)
    ));
    // What needs no keys still works: the audit log and its chain.
    store
        .audit(&NewAudit {
            at: t(1),
            actor: AuditActor::System,
            action: "x".into(),
            application: None,
            detail: serde_json::json!({}),
        })
        .await
        .unwrap();
    assert!(store.verify_audit_chain().await.unwrap().intact());
}

/// Rows as a version before migration 0005 wrote them: every value in clear.
async fn clear_rows(store: &Store) {
    for (sql, binds) in [
        (
            "INSERT INTO applicants (id, phone, created_at, name, id_number) VALUES (7, $1, $2, $3, $4)",
            vec![PHONE.to_owned(), t(1).to_rfc3339(), NAME.into(), ID_NUMBER.into()],
        ),
        (
            "INSERT INTO applicants (id, phone, created_at) VALUES (8, $1, $2)",
            vec!["13900000009".into(), t(1).to_rfc3339()],
        ),
        (
            "INSERT INTO applications (id, number, applicant_id, kind, reason, state, version, form,
                                       hukou_district, created_at, updated_at)
             VALUES (3, 'A1', 7, 'passport', 'expiring_soon', 'submitted', 1, $1, '310104', $2, $3)",
            vec![form(), t(1).to_rfc3339(), t(1).to_rfc3339()],
        ),
        (
            "INSERT INTO application_actions (application_id, seq, at, actor, action)
             VALUES (3, 1, $1, 'reviewer', $2)",
            vec![t(2).to_rfc3339(), serde_json::json!({ "note": NOTE }).to_string()],
        ),
        (
            "INSERT INTO jobs (id, kind, payload, status, run_at, max_attempts, last_error, created_at)
             VALUES (5, 'sms', $1, 'failed', $2, 1, $3, $4)",
            vec![
                serde_json::json!({ "to": PHONE }).to_string(),
                t(2).to_rfc3339(),
                format!("refused {PHONE}"),
                t(2).to_rfc3339(),
            ],
        ),
        (
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
             VALUES ('s', 'done', 'h', 200, $1, $2), ('s', 'running', 'h', 0, '', $3)",
            vec![
                format!("{{\"name\":\"{NAME}\"}}"),
                t(1).to_rfc3339(),
                t(1).to_rfc3339(),
            ],
        ),
        (
            "INSERT INTO uploads (application_id, slot, blob_key, content_type, size, sha256,
                                  uploaded_at, judgement_requested)
             VALUES (3, 'id_photo', 'b', 'image/jpeg', 1, '00', $1, $2)",
            vec![t(1).to_rfc3339(), format!("{NAME} wears a hijab")],
        ),
        (
            "INSERT INTO rate_events (key, at) VALUES ($1, $2), ('otp-addr:2001:db8::1', $3)",
            vec![format!("otp-phone:{PHONE}"), t(1).to_rfc3339(), t(1).to_rfc3339()],
        ),
    ] {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.execute(store.pool.sqlite()).await.unwrap();
    }
}

#[tokio::test]
async fn rows_from_before_0005_are_sealed_once_at_unlock() {
    let locked = Store::open_memory().await.unwrap();
    clear_rows(&locked).await;
    let store = locked.unlock(&test_keyring(), t(3)).await.unwrap();
    assert_nothing_clear(
        &store,
        &[
            PHONE,
            "13900000009",
            NAME,
            ID_NUMBER,
            STREET,
            "JINGYI",
            "核对",
            "2001:db8",
        ],
    )
    .await;

    // Read back through the store exactly as written.
    let a = store.applicant(ApplicantId(7)).await.unwrap();
    assert_eq!(
        (a.phone.as_str(), a.name.as_deref(), a.id_number.as_deref()),
        (PHONE, Some(NAME), Some(ID_NUMBER))
    );
    assert_eq!(
        store.applicant(ApplicantId(8)).await.unwrap().phone,
        "13900000009"
    );
    assert_eq!(
        store.application(ApplicationId(3)).await.unwrap().form,
        form()
    );
    assert!(
        store.actions(ApplicationId(3)).await.unwrap()[0]
            .action
            .contains(NOTE)
    );
    let job = &store.jobs(None).await.unwrap()[0];
    assert_eq!(job.payload, serde_json::json!({ "to": PHONE }).to_string());
    assert_eq!(
        job.last_error.as_deref(),
        Some(format!("refused {PHONE}").as_str())
    );
    let done = store.idempotent_answer("s", "done").await.unwrap().unwrap();
    assert!(done.body.contains(NAME));
    let running = store
        .idempotent_answer("s", "running")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((running.status, running.body.as_str()), (0, ""));
    assert!(
        store.uploads(ApplicationId(3)).await.unwrap()[0]
            .judgement_requested
            .as_deref()
            .unwrap()
            .contains(NAME)
    );
    // The indexes were filled: login finds the old row; ID lookups work; events keep counting.
    assert_eq!(
        store.applicant_for_phone(PHONE, t(4)).await.unwrap(),
        ApplicantId(7)
    );
    assert_eq!(
        store.applicants_with_id_number(ID_NUMBER).await.unwrap(),
        vec![ApplicantId(7)]
    );
    assert_eq!(
        store
            .count_event("otp-phone", PHONE, t(2), t(0))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_event("otp-addr", "2001:db8::1", t(2), t(0))
            .await
            .unwrap(),
        2
    );

    // Idempotent: a second pass finds nothing, and leaves the sealed values as they are.
    let before = dump(&store).await;
    assert_eq!(
        store.seal_clear_rows().await.unwrap(),
        SealedCounts::default()
    );
    assert_eq!(dump(&store).await, before);
    // And the store still writes afterwards (the no-op pass released its transaction).
    store
        .applicant_for_phone("13700000000", t(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_conversion_counts_what_it_sealed() {
    let locked = Store::open_memory().await.unwrap();
    clear_rows(&locked).await;
    let store = locked.with_vault(std::sync::Arc::new(
        Store::open_memory()
            .await
            .unwrap()
            .load_vault(&test_keyring(), t(0))
            .await
            .unwrap(),
    ));
    assert_eq!(
        store.seal_clear_rows().await.unwrap(),
        SealedCounts {
            applicants: 2,
            applications: 1,
            actions: 1,
            jobs: 1,
            answers: 1,
            uploads: 1,
            rate_keys: 2,
        }
    );
    // The log is still append-only: a sealed action cannot be changed again.
    let err = sqlx::query("UPDATE application_actions SET action = 'wb1.x' WHERE seq = 1")
        .execute(store.pool.sqlite())
        .await;
    assert!(err.is_err());
}
