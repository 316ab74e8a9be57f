//! Fuzzes the whole photo entry point: decode (limits, magic bytes, JPEG marker scan, EXIF)
//! and every check. Any input must give a report or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wangban_media::photo::{PhotoSettings, check_photo};

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    // Small limits keep each run fast; the code paths are the same.
    let mut settings = PhotoSettings::default();
    settings.limits.max_pixels = 4_000_000;
    settings.limits.max_width = 4000;
    settings.limits.max_height = 4000;
    let _ = check_photo(data, &settings, today);
});
