//! Uploaded files in an S3-compatible bucket (`[storage] kind = "s3"`), against a real S3
//! server started by the test (moto; skipped without it unless under CI): a real upload and
//! download through the API, objects sealed in the bucket, and a bucket that is not there
//! stopping the start with a clear error.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use wangban_gateways::clock::ManualClock;
use wangban_server::{ServeError, Settings};
use wangban_store::testing::{MOTO_SECRET_ACCESS_KEY, MotoServer};

use crate::{TestApp, good_file, pickup};

const SLOTS: [&str; 4] = ["id_photo", "signature", "id_card_front", "id_card_back"];

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn uploads_are_sealed_in_the_bucket_and_come_back_through_the_api() {
    let Some(moto) =
        MotoServer::start("uploads_are_sealed_in_the_bucket_and_come_back_through_the_api")
    else {
        return;
    };
    moto.create_bucket("wangban-it");
    let app = TestApp::start_with(|s| {
        s.storage = wangban_store::blobs::StorageSettings {
            prefix: "uploads".into(),
            ..moto.settings("wangban-it")
        }
    })
    .await;
    let (token, number) = app.submitted("passport-expiring", pickup()).await;

    // Each file comes back as uploaded, its SHA-256 in the answer; the normalised photo too.
    let (_, view) = app
        .get(Some(&token), &format!("/api/v1/applications/{number}"))
        .await;
    for slot in SLOTS {
        let resp = app
            .http
            .get(app.url(&format!("/api/v1/applications/{number}/files/{slot}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{slot}");
        assert_eq!(
            resp.bytes().await.unwrap().as_ref(),
            good_file(slot),
            "{slot}"
        );
        let shown = view.to_string();
        assert!(
            shown.contains(&hex::encode(Sha256::digest(good_file(slot)))),
            "{slot}: {view}"
        );
    }
    let resp = app
        .http
        .get(app.url(&format!(
            "/api/v1/applications/{number}/files/id_photo?variant=normalised"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.unwrap().len() > 1000);

    // The bucket: an object per file (and per normalised image and overlay) under the prefix,
    // named by neither the file's SHA-256 nor anything of its content, none in clear.
    let objects = moto.objects("wangban-it").await;
    assert!(
        objects.len() >= SLOTS.len(),
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    for (key, bytes) in &objects {
        assert!(key.starts_with("uploads/"), "{key}");
        for slot in SLOTS {
            let file = good_file(slot);
            assert!(!key.contains(&hex::encode(Sha256::digest(&file))), "{key}");
            let mid = file.len() / 2;
            assert!(
                !find(bytes, &file[mid..mid + 32]),
                "{key} holds {slot} in clear"
            );
        }
    }
    // Nothing went to the local folder.
    let local = app.state().settings.data.join("uploads");
    assert!(!local.exists() || std::fs::read_dir(&local).unwrap().next().is_none());
}

#[tokio::test]
async fn a_bucket_that_is_not_there_stops_the_start_with_a_clear_error() {
    let Some(moto) =
        MotoServer::start("a_bucket_that_is_not_there_stops_the_start_with_a_clear_error")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data: dir.path().to_path_buf(),
        storage: moto.settings("no-such-bucket"),
        ..Settings::default()
    };
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 3, 1, 0, 0).unwrap(),
    ));
    let Err(e) = wangban_server::build_state(settings, clock).await else {
        panic!("started without its bucket");
    };
    assert!(matches!(e, ServeError::StorageUnreachable { .. }), "{e:?}");
    let shown = format!("{e} | {e:?}");
    assert!(shown.contains("\"no-such-bucket\""), "{shown}");
    assert!(shown.contains(&moto.endpoint()), "{shown}");
    assert!(!shown.contains(MOTO_SECRET_ACCESS_KEY), "{shown}");
}

/// Writes a file the way versions before sealing did: `<dir>/<2 hex>/<SHA-256>`, in clear.
fn write_plain(dir: &std::path::Path, bytes: &[u8]) -> String {
    let key = hex::encode(Sha256::digest(bytes));
    std::fs::create_dir_all(dir.join(&key[..2])).unwrap();
    std::fs::write(dir.join(&key[..2]).join(&key), bytes).unwrap();
    key
}

#[tokio::test]
async fn the_first_start_seals_the_clear_files_of_an_earlier_version() {
    // A data folder as an earlier version left it: an upload row naming a clear file by its
    // SHA-256, and a clear file no row names any more (a replaced upload).
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let pg = if crate::on_postgres() {
        Some(wangban_store::testing::PgTestDb::create().await.unwrap())
    } else {
        None
    };
    let database = pg.as_ref().map(|p| p.settings()).unwrap_or_default();
    let uploads = data.join("uploads");
    let photo = good_file("id_photo");
    let replaced = crate::OTHER_GOOD_PHOTO.to_vec();
    let photo_key = write_plain(&uploads, &photo);
    write_plain(&uploads, &replaced);
    let id = {
        let (ring, _) = wangban_store::crypto::KeySettings::default()
            .keyring(&data, true)
            .unwrap();
        let now = Utc::now();
        let store = wangban_store::Store::open(&database, &data)
            .await
            .unwrap()
            .unlock(&ring, now)
            .await
            .unwrap();
        let applicant = store.applicant_for_phone("13800000009", now).await.unwrap();
        let id = store
            .create_application(&wangban_store::NewApplication {
                number: "OLD0001".into(),
                applicant,
                kind: "passport".into(),
                reason: "expiring_soon".into(),
                state: "draft".into(),
                form: "{}".into(),
                hukou_district: "310101".into(),
                created_at: now,
            })
            .await
            .unwrap();
        store
            .put_upload(&wangban_store::UploadRow {
                application: id,
                slot: "id_photo".into(),
                blob_key: photo_key.clone(),
                content_type: "image/jpeg".into(),
                size: photo.len() as u64,
                sha256: photo_key.clone(),
                uploaded_at: now,
                overall: "pass".into(),
                report: "{}".into(),
                normalised_key: None,
                overlay_key: None,
                judgement_requested: None,
                judgement_requested_at: None,
            })
            .await
            .unwrap();
        store.close().await;
        id
    };

    let app = TestApp::start_with(|s| {
        s.data = data.clone();
        s.database = database.clone();
    })
    .await;
    let state = app.state();
    let row = &state.store.uploads(id).await.unwrap()[0];
    assert_ne!(row.blob_key, photo_key, "renamed");
    assert_eq!(row.sha256, photo_key, "the content's hash stays");
    assert_eq!(state.blobs.get(&row.blob_key).await.unwrap(), photo);
    assert_eq!(
        state
            .blobs
            .get(&state.blobs.name_of(&replaced))
            .await
            .unwrap(),
        replaced
    );
    // Nothing in the folder is an image in clear any more.
    for (file, what) in [(&photo, "the photo"), (&replaced, "the replaced photo")] {
        let mid = file.len() / 2;
        for entry in walk(&uploads) {
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !find(&bytes, &file[mid..mid + 32]),
                "{what} in clear: {}",
                entry.display()
            );
        }
    }
    drop(app);
    drop(pg);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
