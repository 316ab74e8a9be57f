//! Signature and ID-card checks on their fixtures (`fixtures/signature`, `fixtures/idcard`,
//! made by `fixtures/make_signature_fixtures.py`). Run with `--nocapture` to see the tables.
//! The limits asserted here are justified in the module docs of `signature` and `idcard`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wangban_core::i18n::{Locale, has_key};
use wangban_media::idcard::{IdCardSettings, Side, check_id_card_image};
use wangban_media::signature::{CharBox, SignatureSettings, analyse_signature};
use wangban_media::{Report, Verdict};

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(sub)
}

fn load(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

#[derive(Default)]
struct Tally {
    good: usize,
    bad: usize,
    false_rejections: Vec<String>,
    false_acceptances: Vec<String>,
}

/// Scores one report against its label: a check listed in `expect` must fail, every other
/// check must not.
fn score(
    tallies: &mut BTreeMap<&'static str, Tally>,
    name: &str,
    report: &Report,
    expect: &[String],
) {
    for (code, tally) in tallies.iter_mut() {
        let failed = report
            .checks
            .iter()
            .any(|c| c.code == *code && c.verdict == Verdict::Fail);
        if expect.iter().any(|e| e == code) {
            tally.bad += 1;
            if !failed {
                tally.false_acceptances.push(name.to_owned());
            }
        } else {
            tally.good += 1;
            if failed {
                tally.false_rejections.push(name.to_owned());
            }
        }
    }
}

fn print_table(title: &str, tallies: &BTreeMap<&'static str, Tally>) {
    println!("\n{title}");
    println!("| check | should pass | false rejections | should fail | false acceptances |");
    println!("|---|---|---|---|---|");
    for (code, t) in tallies {
        println!(
            "| {code} | {} | {} {:?} | {} | {} {:?} |",
            t.good,
            t.false_rejections.len(),
            t.false_rejections,
            t.bad,
            t.false_acceptances.len(),
            t.false_acceptances
        );
    }
}

fn expect_of(v: &serde_json::Value) -> Vec<String> {
    v["expect"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn signature_fixtures() -> Vec<(String, image::RgbImage, serde_json::Value)> {
    let dir = fixtures("signature");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("signature fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|json| {
            let label: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&json).expect("label"))
                    .expect("json");
            let png = json.with_extension("png");
            let img = load(&if png.exists() {
                png
            } else {
                json.with_extension("jpg")
            });
            let stem = json
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (stem, img, label)
        })
        .collect()
}

#[test]
fn signature_checks_against_labelled_fixtures() {
    let settings = SignatureSettings::default();
    let mut tallies: BTreeMap<&'static str, Tally> = [
        "sig-found",
        "sig-ink",
        "sig-horizontal",
        "sig-one-line",
        "sig-even-size",
        "sig-gaps",
    ]
    .into_iter()
    .map(|c| (c, Tally::default()))
    .collect();
    let fixtures = signature_fixtures();
    assert!(fixtures.len() >= 40, "only {} fixtures", fixtures.len());
    for (name, img, label) in &fixtures {
        let (report, _) = analyse_signature(img, &settings);
        for code in tallies.keys() {
            assert!(
                report.checks.iter().any(|c| c.code == *code),
                "{name}: no {code}"
            );
        }
        score(&mut tallies, name, &report, &expect_of(label));
        assert!(
            report.normalised.is_some() && report.overlay.is_some(),
            "{name}"
        );
    }
    print_table("Signature fixtures", &tallies);
    for (code, t) in &tallies {
        assert!(
            t.false_rejections.is_empty(),
            "{code} rejects good signatures: {:?}",
            t.false_rejections
        );
        assert!(
            t.false_acceptances.len() <= 1,
            "{code} accepts bad signatures: {:?}",
            t.false_acceptances
        );
    }
}

#[test]
fn character_boxes_match_the_rendered_boxes() {
    let settings = SignatureSettings::default();
    let (mut chars, mut matched, mut count_ok, mut names) = (0, 0, 0, 0);
    for (name, img, label) in signature_fixtures() {
        let Some(known) = label["boxes"].as_array() else {
            continue;
        };
        if expect_of(&label).iter().any(|e| e == "sig-one-line") {
            continue; // boxes are found on the main line only
        }
        let known: Vec<CharBox> = known
            .iter()
            .map(|b| CharBox {
                x: b["x"].as_u64().unwrap_or(0) as u32,
                y: b["y"].as_u64().unwrap_or(0) as u32,
                w: b["w"].as_u64().unwrap_or(0) as u32,
                h: b["h"].as_u64().unwrap_or(0) as u32,
                punct: b["punct"].as_bool().unwrap_or(false),
            })
            .collect();
        let (_, found) = analyse_signature(&img, &settings);
        names += 1;
        if found.boxes.len() == known.len() {
            count_ok += 1;
        } else {
            println!(
                "{name}: {} boxes found, {} known",
                found.boxes.len(),
                known.len()
            );
        }
        for k in &known {
            chars += 1;
            let best = found.boxes.iter().map(|f| f.iou(k)).fold(0.0, f64::max);
            if best >= 0.5 {
                matched += 1;
            }
        }
    }
    println!(
        "\nCharacter boxes: {matched}/{chars} known characters matched with IoU ≥ 0.5; right count in {count_ok}/{names} signatures"
    );
    assert!(chars >= 100);
    assert!(matched as f64 >= 0.9 * chars as f64, "{matched}/{chars}");
    assert!(count_ok as f64 >= 0.8 * names as f64, "{count_ok}/{names}");
}

#[test]
fn id_card_checks_against_labelled_fixtures() {
    let dir = fixtures("idcard");
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).expect("labels"))
            .expect("json");
    let settings = IdCardSettings::default();
    let mut tallies: BTreeMap<&'static str, Tally> = [
        "card-found",
        "card-sharp",
        "card-glare",
        "card-portrait",
        "card-rotation",
    ]
    .into_iter()
    .map(|c| (c, Tally::default()))
    .collect();
    let mut n = 0;
    for (name, label) in labels.as_object().expect("object") {
        let side = if label["side"] == "back" {
            Side::Back
        } else {
            Side::Front
        };
        let img = load(&dir.join(format!("{name}.jpg")));
        let report = check_id_card_image(&img, side, &settings);
        score(&mut tallies, name, &report, &expect_of(label));
        n += 1;
    }
    assert!(n >= 12);
    print_table("ID-card fixtures", &tallies);
    for (code, t) in &tallies {
        assert!(
            t.false_rejections.is_empty(),
            "{code} rejects good cards: {:?}",
            t.false_rejections
        );
        assert!(
            t.false_acceptances.is_empty(),
            "{code} accepts bad cards: {:?}",
            t.false_acceptances
        );
    }
}

#[test]
fn every_message_exists_in_both_languages_and_outputs_are_pngs() {
    let fixtures = signature_fixtures();
    let (_, img, _) = fixtures
        .iter()
        .find(|(n, _, _)| n == "n0-ok")
        .expect("n0-ok");
    let (report, _) = analyse_signature(img, &SignatureSettings::default());
    assert_eq!(report.overall, Verdict::Pass, "{:#?}", report.checks);
    let clean = image::load_from_memory(report.normalised.as_deref().expect("normalised"))
        .expect("png")
        .to_luma8();
    // cropped, black on white: the corners are white, the darkest pixel black
    assert_eq!(clean.get_pixel(0, 0).0[0], 255);
    assert!(clean.pixels().map(|p| p.0[0]).min() == Some(0));
    assert!(clean.width() < img.width());
    image::load_from_memory(report.overlay.as_deref().expect("overlay")).expect("overlay png");
    let mut reports = vec![report];
    for (name, img, _) in &fixtures {
        if name.ends_with("blue")
            || name.ends_with("lines")
            || name.ends_with("gap")
            || name.ends_with("tilt12")
            || name.ends_with("uneven")
        {
            reports.push(analyse_signature(img, &SignatureSettings::default()).0);
        }
    }
    reports.push(wangban_media::signature::check_signature_image(
        &image::RgbImage::new(10, 10),
        &SignatureSettings::default(),
    ));
    for report in &reports {
        for c in &report.checks {
            assert!(has_key(c.message.key), "{}", c.message.key);
            for l in Locale::ALL {
                assert!(!c.render(l).contains('{'), "{}", c.render(l));
            }
        }
    }
}

#[test]
fn settings_deserialize_with_defaults() {
    let s: SignatureSettings = serde_json::from_str(r#"{"max_skew_deg": 3.0}"#).expect("json");
    assert_eq!(s.max_skew_deg, 3.0);
    assert_eq!(s.max_gap_ratio, 0.5);
    let c: IdCardSettings = serde_json::from_str("{}").expect("json");
    assert_eq!(c, IdCardSettings::default());
}
