//! Encryption at rest, the way issue 6 checks it: after the demo journey, a dump of the whole
//! database holds none of the demo citizens' ID numbers, names, phone numbers or addresses,
//! and no piece of an uploaded image; nor does the upload folder (the files are sealed).

use std::path::Path;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::{Connection, Row};
use wangban_gateways::registry::{demo_citizen, demo_citizens};

use crate::journeys::{approve, pay};
use crate::{TestApp, good_file};

const STREET: &str = "漕溪北路88号";
const OTHER_STREET: &str = "天钥桥路1178弄";

/// Every value of every table of a PostgreSQL database, as text, with its table and column.
async fn dump_postgres(url: &str) -> Vec<(String, String, Vec<u8>)> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let columns: Vec<(String, String)> = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut out = Vec::new();
    for (table, column) in columns {
        let values: Vec<Option<String>> =
            sqlx::query_scalar(&format!(r#"SELECT "{column}"::text FROM "{table}""#))
                .fetch_all(&mut conn)
                .await
                .unwrap();
        out.extend(
            values
                .into_iter()
                .flatten()
                .map(|v| (table.clone(), column.clone(), v.into_bytes())),
        );
    }
    conn.close().await.unwrap();
    out
}

/// What an operator's `pg_dump` of the database holds (the plain SQL format).
fn pg_dump(url: &str) -> Vec<u8> {
    let out = std::process::Command::new("pg_dump")
        .arg("--no-owner")
        .arg(url)
        .output()
        .expect("pg_dump (PostgreSQL's client tools)");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every value of every table as SQLite holds it (text as UTF-8 bytes, numbers as text), each
/// with its table and column; plus how many rows the applicants table has.
async fn dump(db: &Path) -> Vec<(String, String, Vec<u8>)> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({table})"))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(1))
            .collect();
        for column in columns {
            let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(&format!(
                r#"SELECT CAST("{column}" AS BLOB) FROM "{table}""#
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            out.extend(
                values
                    .into_iter()
                    .flatten()
                    .map(|v| (table.clone(), column.clone(), v)),
            );
        }
    }
    // Everything written is in the main file afterwards (the raw bytes are read next).
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    out
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_database_dump_holds_no_personal_data_in_clear() {
    let mut app = TestApp::start().await;
    let c = demo_citizen("passport-expiring").unwrap();

    // Someone only asks for a login code (a code row, counted events).
    let lost = demo_citizen("taiwan-lost").unwrap();
    let (status, _) = app
        .post(
            None,
            "/api/v1/auth/otp",
            json!({ "phone": lost.phone.as_str() }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Someone logs in and proves who they are (a name with a middle dot), nothing more.
    app.citizen_login("hkmo-damaged").await;

    // The demo journey, by mail, with every answer the form takes and a correction round
    // whose note names the applicant.
    let answers = json!({
        "pinyin_surname": c.pinyin.surname,
        "pinyin_given": c.pinyin.given,
        "contact_phone": "13800000002",
        "delivery": { "method": "mail", "address": {
            "recipient": c.name.as_str(), "phone": c.phone.as_str(), "province": "上海市",
            "city": "上海市", "district": "徐汇区", "street": STREET, "postcode": "200030" } },
    });
    let (token, number) = app.submitted_with(&c.key, answers).await;
    let reviewer = app.officer_login("reviewer").await;
    let (status, _) = app
        .officer_act(&reviewer, &number, "claim", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .officer_act(
            &reviewer,
            &number,
            "request-correction",
            json!({ "items": [{ "subject": "id_photo", "reason": "photo_background" }],
                    "note": format!("{}，请在白色背景前重新拍摄", c.name.as_str()) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.clock.advance(Duration::hours(3)); // a new file is one uploaded after the request
    let (status, _) = app
        .upload(
            &token,
            &number,
            "id_photo",
            crate::OTHER_GOOD_PHOTO.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The correction moves the parcel to another address.
    let (status, body) = app
        .patch(
            &token,
            &format!("/api/v1/applications/{number}"),
            json!({ "delivery": { "method": "mail", "address": {
                "recipient": c.name.as_str(), "phone": c.phone.as_str(), "province": "上海市",
                "city": "上海市", "district": "徐汇区", "street": OTHER_STREET,
                "postcode": "200030" } } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post(
            Some(&token),
            &format!("/api/v1/applications/{number}/correction"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Officers still see personal data masked, and in full when they reveal it.
    let (status, masked) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{masked}");
    assert!(
        !masked.to_string().contains(c.id_number.as_str()),
        "{masked}"
    );
    let (_, revealed) = app
        .get(
            Some(&reviewer),
            &format!("/api/v1/officer/applications/{number}?reveal=true"),
        )
        .await;
    let shown = revealed.to_string();
    assert!(shown.contains(c.id_number.as_str()), "{revealed}");
    assert!(shown.contains(c.name.as_str()), "{revealed}");

    approve(&app, &reviewer, &number).await;
    pay(&app, &token, &number).await;
    app.eventually("payment recorded", || async {
        app.state_of(&token, &number).await == "in_production"
    })
    .await;
    app.advance_until("document produced", Duration::seconds(20), || async {
        app.state_of(&token, &number).await == "produced"
    })
    .await;
    let clerk = app.officer_login("dispatch").await;
    let (status, body) = app
        .officer_act(&clerk, &number, "dispatch", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.advance_until("delivered", Duration::minutes(2), || async {
        let s = app.state_of(&token, &number).await;
        s == "delivered" || s == "ready_for_pickup"
    })
    .await;
    // The applicant's own view still shows their answers (opened by the store).
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    assert!(view.to_string().contains(c.pinyin.given.as_str()), "{view}");

    let data = app.state().settings.data.clone();
    app.running.take().unwrap().stop().await.unwrap();

    let (rows, raw) = match &app.pg {
        Some(pg) => (dump_postgres(pg.url()).await, pg_dump(pg.url())),
        None => {
            let db = data.join("wangban.db");
            let rows = dump(&db).await;
            let mut raw = std::fs::read(&db).unwrap();
            if let Ok(wal) = std::fs::read(data.join("wangban.db-wal")) {
                raw.extend(wal);
            }
            (rows, raw)
        }
    };

    // The dump really is of this journey's database: its application number is in it, in
    // clear, like every column queues filter on.
    assert!(find(&raw, number.as_bytes()), "the application number");
    assert!(
        rows.iter()
            .any(|(t, col, v)| t == "applications" && col == "number" && v == number.as_bytes())
    );
    assert!(
        rows.iter()
            .filter(|(t, col, _)| t == "applicants" && col == "phone")
            .count()
            >= 2
    );

    // What must not be there: for every demo citizen, the ID number (with a final x in both
    // cases), the name in Chinese and the pinyin given name (surnames like LI are too short to
    // mean anything in base64), the phone number; the addresses typed in; and a 64-byte window
    // from the middle of each uploaded file.
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for p in demo_citizens() {
        let id = p.id_number.as_str();
        needles.push((format!("ID number of {}", p.key), id.as_bytes().to_vec()));
        needles.push((
            format!("ID number of {}", p.key),
            id.to_ascii_lowercase().into_bytes(),
        ));
        needles.push((
            format!("name of {}", p.key),
            p.name.as_str().as_bytes().to_vec(),
        ));
        if p.pinyin.given.len() >= 5 {
            needles.push((
                format!("pinyin of {}", p.key),
                p.pinyin.given.as_bytes().to_vec(),
            ));
        }
        needles.push((
            format!("phone of {}", p.key),
            p.phone.as_str().as_bytes().to_vec(),
        ));
    }
    needles.push(("contact phone".into(), b"13800000002".to_vec()));
    for street in [STREET, OTHER_STREET] {
        needles.push((format!("address {street}"), street.as_bytes().to_vec()));
    }
    let files = [
        ("id_photo", good_file("id_photo")),
        ("second id_photo", crate::OTHER_GOOD_PHOTO.to_vec()),
        ("signature", good_file("signature")),
        ("id_card_front", good_file("id_card_front")),
        ("id_card_back", good_file("id_card_back")),
    ];
    for (what, bytes) in &files {
        for at in [bytes.len() / 4, bytes.len() / 2, bytes.len() * 3 / 4] {
            needles.push((format!("{what} bytes at {at}"), bytes[at..at + 64].to_vec()));
        }
    }
    for (what, needle) in &needles {
        assert!(!find(&raw, needle), "{what} is in the database file");
        for (table, column, value) in &rows {
            assert!(!find(value, needle), "{what} is in {table}.{column}");
        }
    }

    // The upload folder holds every file (and its normalised image and overlay) sealed: no
    // piece of an uploaded image in clear.
    let stored = files_under(&data.join("uploads"));
    assert!(stored.len() >= files.len(), "{} files stored", stored.len());
    for (what, bytes) in &files {
        for at in [bytes.len() / 4, bytes.len() / 2, bytes.len() * 3 / 4] {
            for (path, content) in &stored {
                assert!(
                    !find(content, &bytes[at..at + 32]),
                    "{what} bytes at {at} are in {}",
                    path.display()
                );
            }
        }
    }
}

/// Every file under `dir`, recursively, with its bytes.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out
}
