//! Criterion benchmarks of the upload checks (photo part): bare decode, and the full photo
//! check, on a 354×472 JPEG fixture and on a 12-megapixel JPEG made at start-up by upscaling
//! the same fixture (not committed). Run:
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

criterion_group!(benches, photo);
criterion_main!(benches);
