//! `wangban media check`: what an operator runs when a resident disputes a rejection.

use crate::wangban;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../media/fixtures");

fn fixture(path: &str) -> String {
    format!("{FIXTURES}/{path}")
}

#[test]
fn a_good_photo_passes_with_every_check_listed() {
    let out = wangban(&[
        "media",
        "check",
        "photo",
        &fixture("photo/astronaut-ok.jpg"),
        "--json",
    ]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert!(v["file"].as_str().unwrap().ends_with("astronaut-ok.jpg"));
    assert_ne!(v["overall"], "fail", "{v}");
    let codes: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    for code in [
        "photo-face-count",
        "photo-background",
        "photo-head-covering",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let check = &v["checks"][0];
    for field in ["code", "verdict", "measured", "threshold", "message"] {
        assert!(check.get(field).is_some(), "{field} missing: {check}");
    }
}

#[test]
fn several_files_one_json_line_each_and_a_failure_exits_1() {
    let out = wangban(&[
        "--lang",
        "en",
        "media",
        "check",
        "signature",
        &fixture("signature/n0-ok.png"),
        &fixture("signature/n0-blue.png"),
        "--json",
    ]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[0]["overall"], "fail");
    assert_eq!(lines[1]["overall"], "fail");
    let ink = lines[1]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "sig-ink")
        .unwrap();
    assert_eq!(ink["verdict"], "fail");
    assert!(
        ink["message"].as_str().unwrap().is_ascii(),
        "English: {ink}"
    );
}

#[test]
fn the_overlay_is_written_and_human_output_reads_well() {
    let dir = tempfile::tempdir().unwrap();
    let out_png = dir.path().join("overlay.png");
    let out = wangban(&[
        "media",
        "check",
        "id-front",
        &fixture("idcard/front-ok0.jpg"),
        "--overlay",
        out_png.to_str().unwrap(),
    ]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains("front-ok0.jpg: "), "{}", out.stdout);
    assert!(out.stdout.contains("[pass] card-found"), "{}", out.stdout);
    let png = std::fs::read(&out_png).expect("overlay written");
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn a_file_that_is_not_an_image_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    let out = wangban(&[
        "--lang",
        "en",
        "media",
        "check",
        "photo",
        text.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status, 2);
    let v = out.json();
    assert_eq!(v["overall"], "error");
    assert!(
        v["code"].as_str().unwrap().starts_with("media-decode-"),
        "{v}"
    );
    let missing = wangban(&["media", "check", "photo", "/no/such/file.jpg"]);
    assert_eq!(missing.status, 2);
}
