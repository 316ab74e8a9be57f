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
