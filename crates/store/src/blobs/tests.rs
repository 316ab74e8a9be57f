//! Blob storage on both backends: a local directory and a real S3-compatible server (moto,
//! started by the test; skipped without it unless under CI).

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::*;
use crate::crypto::{DataKey, IndexKey, Keyring, Secret};
use crate::testing::{MOTO_SECRET_ACCESS_KEY, MotoServer, TestStore};
use crate::{ApplicationId, NewApplication, UploadRow};

/// A real photo (the media crate's fixture), and a distinctive 32-byte run from its middle.
const PHOTO: &[u8] = include_bytes!("../../../media/fixtures/photo/astronaut-ok.jpg");

fn run(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.len() / 2..bytes.len() / 2 + 32]
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn vault() -> Arc<Vault> {
    Arc::new(Vault::new(
        DataKey::new(Keyring::new_key_id(), Secret::random()),
        vec![],
        IndexKey::new(Secret::random()),
    ))
}

fn local(dir: &FsPath) -> StorageSettings {
    StorageSettings {
        dir: Some(dir.to_owned()),
        ..StorageSettings::default()
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &FsPath) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out
}

/// What both backends must do: round trip, dedup, names that are not the SHA-256, refusals.
async fn round_trip(blobs: &Blobs) -> String {
    blobs.check().await.unwrap();
    let name = blobs.put(PHOTO).await.unwrap();
    assert!(is_name(&name), "{name}");
    assert_ne!(
        name,
        hex::encode(Sha256::digest(PHOTO)),
        "the name hides the content"
    );
    assert_eq!(blobs.put(PHOTO).await.unwrap(), name, "stored once");
    assert_eq!(blobs.get(&name).await.unwrap(), PHOTO);
    let raw = blobs.get_raw(&name).await.unwrap();
    assert!(Vault::looks_sealed(&raw));
    assert!(!find(&raw, run(PHOTO)), "the stored object is sealed");
    let other = blobs.put(b"another file").await.unwrap();
    assert_ne!(other, name);
    assert_eq!(blobs.get(&other).await.unwrap(), b"another file");
    let missing = blobs.name_of(b"never stored");
    assert!(matches!(
        blobs.get(&missing).await,
        Err(BlobError::NotFound(_))
    ));
    assert!(!blobs.exists(&missing).await.unwrap());
    for bad in ["../../etc/passwd", "ABCD", &name.to_uppercase()] {
        assert!(matches!(blobs.get(bad).await, Err(BlobError::BadKey(_))));
    }
    name
}

#[tokio::test]
async fn local_directory_holds_sealed_content_named_objects() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(&local(dir.path()), FsPath::new("/unused"), vault()).unwrap();
    let name = round_trip(&blobs).await;
    let files = files_under(dir.path());
    assert_eq!(files.len(), 2, "two objects, no temporary files: {files:?}");
    assert!(
        files
            .iter()
            .any(|(p, _)| p == &dir.path().join(&name[..2]).join(&name))
    );
    for (path, bytes) in &files {
        assert!(
            !find(bytes, run(PHOTO)),
            "{} holds the photo",
            path.display()
        );
    }
    // An object copied over another's name does not open (bound to its name).
    let other = blobs.name_of(b"another file");
    std::fs::copy(
        dir.path().join(&name[..2]).join(&name),
        dir.path().join(&other[..2]).join(&other),
    )
    .unwrap();
    assert!(matches!(
        blobs.get(&other).await,
        Err(BlobError::Sealed {
            source: CryptoError::Tampered,
            ..
        })
    ));
    // Another vault (another installation's keys) opens nothing.
    let foreign = Blobs::open(&local(dir.path()), FsPath::new("/unused"), vault()).unwrap();
    assert!(foreign.get(&name).await.is_err());
}

#[test]
fn settings_default_to_the_data_folder_and_hide_the_secret() {
    let s = StorageSettings::default();
    assert_eq!(s.kind, StorageKind::Local);
    assert_eq!(
        s.local_dir(FsPath::new("/var/lib/wangban")),
        FsPath::new("/var/lib/wangban/uploads")
    );
    let s3: StorageSettings = toml::from_str(
        r#"kind = "s3"
endpoint = "https://oss.example.cn"
bucket = "wangban-files"
access_key_id = "AK"
secret_access_key = "very-secret-value"
prefix = "shanghai"
"#,
    )
    .unwrap();
    assert_eq!(s3.kind, StorageKind::S3);
    assert_eq!(s3.region, "us-east-1");
    let shown = format!("{s3:?} {}", s3.place(FsPath::new("/d")));
    assert!(!shown.contains("very-secret-value"), "{shown}");
    assert!(shown.contains("wangban-files") && shown.contains("https://oss.example.cn"));
    assert!(toml::from_str::<StorageSettings>("bucket = 1").is_err());
    assert!(toml::from_str::<StorageSettings>("buckt = \"x\"").is_err());
    assert!(toml::from_str::<StorageSettings>("kind = \"ftp\"").is_err());
    let no_bucket = StorageSettings {
        kind: StorageKind::S3,
        ..StorageSettings::default()
    };
    assert!(matches!(
        Blobs::open(&no_bucket, FsPath::new("/d"), vault()),
        Err(BlobError::Settings(_))
    ));
}

#[tokio::test]
async fn s3_bucket_holds_sealed_objects_under_the_prefix() {
    let Some(moto) = MotoServer::start("s3_bucket_holds_sealed_objects_under_the_prefix") else {
        return;
    };
    moto.create_bucket("wangban-files");
    let settings = StorageSettings {
        prefix: "node-a/uploads".into(),
        ..moto.settings("wangban-files")
    };
    let blobs = Blobs::open(&settings, FsPath::new("/unused"), vault()).unwrap();
    let name = round_trip(&blobs).await;

    // What the bucket holds, read past wangban: two objects under the prefix, none of them
    // holding the photo in clear.
    let objects = moto.objects("wangban-files").await;
    let mut expected = [name.clone(), blobs.name_of(b"another file")]
        .map(|n| format!("node-a/uploads/{}/{n}", &n[..2]));
    expected.sort();
    assert_eq!(
        objects.iter().map(|o| o.0.clone()).collect::<Vec<_>>(),
        expected
    );
    for (path, bytes) in &objects {
        assert!(!find(bytes, run(PHOTO)), "{path} holds the photo");
        assert!(!find(bytes, b"another file"), "{path} holds clear text");
    }
}

#[tokio::test]
async fn s3_wrong_bucket_is_a_clear_error_without_the_secret() {
    let Some(moto) = MotoServer::start("s3_wrong_bucket_is_a_clear_error_without_the_secret")
    else {
        return;
    };
    moto.create_bucket("wangban-files");
    let blobs = Blobs::open(&moto.settings("no-such-bucket"), FsPath::new("/d"), vault()).unwrap();
    let e = blobs.check().await.unwrap_err();
    assert!(matches!(e, BlobError::Unreachable { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("no-such-bucket"), "{shown}");
    assert!(shown.contains(&moto.endpoint()), "{shown}");
    assert!(!shown.contains(MOTO_SECRET_ACCESS_KEY), "{shown}");
    // Nobody listening there at all: an error too, within seconds.
    let gone = StorageSettings {
        endpoint: "http://127.0.0.1:9".into(),
        ..moto.settings("wangban-files")
    };
    let started = std::time::Instant::now();
    let e = Blobs::open(&gone, FsPath::new("/d"), vault())
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("127.0.0.1:9"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

async fn upload_row(store: &Store, number: &str, key: &str, normalised: &str) -> ApplicationId {
    let t = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let applicant = store.applicant_for_phone("13800000001", t).await.unwrap();
    let id = store
        .create_application(&NewApplication {
            number: number.into(),
            applicant,
            kind: "passport".into(),
            reason: "expiring_soon".into(),
            state: "draft".into(),
            form: "{}".into(),
            hukou_district: "310101".into(),
            created_at: t,
        })
        .await
        .unwrap();
    store
        .put_upload(&UploadRow {
            application: id,
            slot: "id_photo".into(),
            blob_key: key.into(),
            content_type: "image/jpeg".into(),
            size: 1,
            sha256: key.into(),
            uploaded_at: t,
            overall: "pass".into(),
            report: "{}".into(),
            normalised_key: Some(normalised.into()),
            overlay_key: None,
            judgement_requested: None,
            judgement_requested_at: None,
        })
        .await
        .unwrap();
    id
}

/// Writes a file the way versions before sealing did: `<dir>/<2 hex>/<SHA-256>`, plain.
fn write_legacy(dir: &FsPath, bytes: &[u8]) -> String {
    let key = hex::encode(Sha256::digest(bytes));
    std::fs::create_dir_all(dir.join(&key[..2])).unwrap();
    std::fs::write(dir.join(&key[..2]).join(&key), bytes).unwrap();
    key
}

#[tokio::test]
async fn plain_files_of_earlier_versions_are_sealed_once_and_renamed_in_uploads() {
    let store = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let normalised = b"the normalised photo".as_slice();
    let orphan = b"a replaced file nobody names".as_slice();
    let photo_key = write_legacy(dir.path(), PHOTO);
    let normalised_key = write_legacy(dir.path(), normalised);
    write_legacy(dir.path(), orphan);
    let id = upload_row(&store, "A1", &photo_key, &normalised_key).await;

    let blobs = Blobs::open(
        &local(dir.path()),
        FsPath::new("/unused"),
        store.vault().unwrap().clone(),
    )
    .unwrap();
    let now = Utc::now();
    let counts = store
        .seal_legacy_blobs(&blobs, dir.path(), now)
        .await
        .unwrap();
    assert_eq!(counts, LegacyCounts { sealed: 3, rows: 2 });

    // The rows name the sealed objects, which open to the same files.
    let row = &store.uploads(id).await.unwrap()[0];
    assert_eq!(row.blob_key, blobs.name_of(PHOTO));
    assert_eq!(
        row.normalised_key.as_deref(),
        Some(blobs.name_of(normalised).as_str())
    );
    assert_eq!(row.sha256, photo_key, "the content's hash is kept");
    assert_eq!(blobs.get(&row.blob_key).await.unwrap(), PHOTO);
    assert_eq!(blobs.get(&blobs.name_of(orphan)).await.unwrap(), orphan);
    // No plain file is left.
    let files = files_under(dir.path());
    assert_eq!(files.len(), 3);
    for (path, bytes) in &files {
        assert!(!find(bytes, run(PHOTO)), "{}", path.display());
        assert!(!find(bytes, orphan), "{}", path.display());
    }

    // It ran once: a plain file appearing later is not looked at (the marker is set).
    let late = write_legacy(dir.path(), b"late");
    let again = store
        .seal_legacy_blobs(&blobs, dir.path(), now)
        .await
        .unwrap();
    assert_eq!(again, LegacyCounts::default());
    assert!(dir.path().join(&late[..2]).join(&late).exists());
}

#[tokio::test]
async fn the_legacy_pass_moves_local_files_into_a_bucket() {
    let Some(moto) = MotoServer::start("the_legacy_pass_moves_local_files_into_a_bucket") else {
        return;
    };
    moto.create_bucket("moved");
    let store = TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let key = write_legacy(dir.path(), PHOTO);
    let id = upload_row(&store, "A1", &key, &key).await;
    let blobs = Blobs::open(
        &moto.settings("moved"),
        FsPath::new("/unused"),
        store.vault().unwrap().clone(),
    )
    .unwrap();
    let counts = store
        .seal_legacy_blobs(&blobs, dir.path(), Utc::now())
        .await
        .unwrap();
    assert_eq!(counts, LegacyCounts { sealed: 1, rows: 2 });
    let row = &store.uploads(id).await.unwrap()[0];
    assert_eq!(blobs.get(&row.blob_key).await.unwrap(), PHOTO);
    assert!(files_under(dir.path()).is_empty());
}
