//! `wangban keys`: generating a KEK, rotating to it, and reading with only the new one.

use std::ffi::OsStr;

use crate::{wangban, wangban_with_env};

fn generate() -> String {
    let out = wangban(&["keys", "generate"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let key = out.stdout.trim().to_owned();
    assert_eq!(key.len(), 32, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    key
}

/// Runs `keys <cmd> --data DIR --json` with the given KEKs (id, key) and active id.
fn keys(cmd: &str, dir: &str, keks: &[(&str, &str)], active: &str) -> crate::Output {
    let list = keks
        .iter()
        .map(|(id, key)| format!("{{ id = \"{id}\", value = \"{key}\" }}"))
        .collect::<Vec<_>>()
        .join(", ");
    let list = format!("[{list}]");
    wangban_with_env(
        &[
            ("WANGBAN_KEYS__KEKS", OsStr::new(&list)),
            ("WANGBAN_KEYS__ACTIVE", OsStr::new(active)),
            ("WANGBAN_DEMO", OsStr::new("false")),
        ],
        &["--lang", "en", "keys", cmd, "--data", dir, "--json"],
    )
}

#[test]
fn generate_prints_fresh_keys_in_either_format() {
    assert_ne!(generate(), generate());
    let out = wangban(&["keys", "generate", "--format", "base64"]);
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout.trim().len(), 24, "{}", out.stdout);
}

#[test]
fn rotate_to_a_new_kek_then_only_the_new_one_reads() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_str().unwrap();
    let (old, new) = (generate(), generate());

    // First use under the old KEK makes the data key and the blind-index key.
    let out = keys("check", dir, &[("old", &old)], "old");
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let active = out.json()["active_data_key"].clone();

    // Rotating needs the old KEK to unwrap: without it, a clear error and no change.
    let out = keys("rotate", dir, &[("new", &new)], "new");
    assert_eq!(out.status, 2, "{}", out.stdout);
    assert_eq!(out.json()["error"]["code"], "keys-error-unknown-kek");
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("old")
    );
    // An active KEK that is not configured is refused before anything is opened.
    let out = keys("rotate", dir, &[("old", &old)], "new");
    assert_eq!(out.status, 2);
    assert_eq!(out.json()["error"]["code"], "keys-error-no-active");
    assert_eq!(keys("check", dir, &[("old", &old)], "old").status, 0);

    // With both, every key moves to the new KEK; again, nothing moves.
    let both = [("old", old.as_str()), ("new", new.as_str())];
    let out = keys("rotate", dir, &both, "new");
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.json()["rewrapped"], 2);
    assert_eq!(out.json()["unchanged"], 0);
    let out = keys("rotate", dir, &both, "new");
    assert_eq!(out.json()["rewrapped"], 0);
    assert_eq!(out.json()["unchanged"], 2);

    // Only the new KEK: the same data key opens. Only the old one: it does not.
    let out = keys("check", dir, &[("new", &new)], "new");
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.json()["active_data_key"], active);
    let out = keys("check", dir, &[("old", &old)], "old");
    assert_eq!(out.status, 2);
    assert_eq!(out.json()["error"]["code"], "keys-error-unknown-kek");
    // A different key under the new id: wrong key.
    let out = keys("check", dir, &[("new", &old)], "new");
    assert_eq!(out.status, 2);
    assert_eq!(out.json()["error"]["code"], "keys-error-wrong-key");
}

#[test]
fn the_demo_makes_a_private_kek_file_once_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let out = wangban(&["--lang", "en", "keys", "check", "--data", path]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("kek-local.key"), "{}", out.stderr);
    let file = dir.path().join("kek-local.key");
    let key = std::fs::read_to_string(&file).unwrap();
    assert!(!out.stdout.contains(key.trim()) && !out.stderr.contains(key.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = wangban(&["--lang", "en", "keys", "check", "--data", path]);
    assert_eq!(again.status, 0);
    assert!(!again.stderr.contains("kek-local.key"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), key);
}
