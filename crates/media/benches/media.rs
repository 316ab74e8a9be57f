//! Criterion benchmarks of the upload checks: bare decode and the full photo check on a
//! 354×472 JPEG fixture and on a 12-megapixel JPEG made at start-up by upscaling the same
//! fixture (not committed); the signature check and the ID-card check (front) on their
//! fixtures and on phone-sized versions of them, each beside the bare decode of the same file
//! (the full upload path, `check_upload`). Run:
//!
//! ```text
//! cargo bench -p wangban-media -- --warm-up-time 1 --measurement-time 3
//! ```
//! Results and targets: BENCHMARKS.md at the repository root.

use std::hint::black_box;
use std::path::Path;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use image::imageops::FilterType;
use wangban_media::decode::{Limits, decode};
use wangban_media::photo::{PhotoSettings, check_photo};

fn fixture() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/photo/astronaut-ok.jpg"))
        .expect("fixture")
}

/// A 3000×4000 phone-sized JPEG: the compliant fixture upscaled, quality 90.
fn twelve_megapixels(small: &[u8]) -> Vec<u8> {
    let img = image::load_from_memory(small)
        .expect("fixture decodes")
        .into_rgb8();
    let big = image::imageops::resize(&img, 3000, 4000, FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&big)
        .expect("encode");
    out
}

fn photo(c: &mut Criterion) {
    let small = fixture();
    let big = twelve_megapixels(&small);
    let limits = Limits::default();
    let settings = PhotoSettings::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    assert!(
        check_photo(&big, &settings, today)
            .expect("12 MP")
            .normalised
            .is_some()
    );

    let mut g = c.benchmark_group("photo");
    g.bench_function("decode_354x472", |b| {
        b.iter(|| decode(black_box(&small), &limits).expect("decodes"))
    });
    g.bench_function("check_354x472", |b| {
        b.iter(|| check_photo(black_box(&small), &settings, today).expect("checks"))
    });
    let grey = image::load_from_memory(&small)
        .expect("decodes")
        .into_luma8();
    g.bench_function("face_detect_354x472", |b| {
        b.iter(|| wangban_media::photo::face::detect(black_box(&grey), &settings))
    });
    g.sample_size(10);
    g.bench_function("decode_12mp", |b| {
        b.iter(|| decode(black_box(&big), &limits).expect("decodes"))
    });
    g.bench_function("check_12mp", |b| {
        b.iter(|| check_photo(black_box(&big), &settings, today).expect("checks"))
    });
    g.finish();
}

/// The fixture at `path` scaled so its longer side is `side` pixels, as a JPEG.
fn scaled_jpeg(path: &str, side: u32) -> Vec<u8> {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("fixture");
    let img = image::load_from_memory(&bytes)
        .expect("decodes")
        .into_rgb8();
    let (w, h) = img.dimensions();
    let f = f64::from(side) / f64::from(w.max(h));
    let (nw, nh) = ((f64::from(w) * f) as u32, (f64::from(h) * f) as u32);
    let big = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&big)
        .expect("encode");
    out
}

fn signature_and_card(c: &mut Criterion) {
    use wangban_media::{FileKind, MediaSettings, check_upload};
    let settings = MediaSettings::default();
    let limits = Limits::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let cases = [
        (
            "signature",
            FileKind::Signature,
            "fixtures/signature/n0-ok.png",
            0,
        ),
        (
            "signature_phone_4000px",
            FileKind::Signature,
            "fixtures/signature/n0-ok.png",
            4000,
        ),
        (
            "id_front",
            FileKind::IdFront,
            "fixtures/idcard/front-ok0.jpg",
            0,
        ),
        (
            "id_front_phone_4000px",
            FileKind::IdFront,
            "fixtures/idcard/front-ok0.jpg",
            4000,
        ),
    ];
    let mut g = c.benchmark_group("upload");
    g.sample_size(20);
    for (name, kind, path, side) in cases {
        let bytes = if side == 0 {
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("fixture")
        } else {
            scaled_jpeg(path, side)
        };
        g.bench_function(format!("decode_{name}"), |b| {
            b.iter(|| decode(black_box(&bytes), &limits).expect("decodes"))
        });
        g.bench_function(format!("check_{name}"), |b| {
            b.iter(|| check_upload(kind, black_box(&bytes), &settings, today).expect("checks"))
        });
    }
    g.finish();
}

criterion_group!(benches, photo, signature_and_card);
criterion_main!(benches);
