//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs through the same checks as the cargo-fuzz targets (`fuzz/checks.rs`):
//! no input may panic, and what is accepted keeps its invariants (it reads back the same).

#[path = "../../fuzz/checks.rs"]
mod checks;
#[path = "../../fuzz/smoke.rs"]
mod smoke;

/// Snippets that matter to these parsers: Han characters and the middle dot and its
/// look-alikes, full-width forms, invisible and direction characters, combining marks,
/// extreme numbers, TOML punctuation.
const SNIPPETS: &[&str] = &[
    "张",
    "𠀀",
    "·",
    "•",
    "．",
    "·",
    "８",
    "Ｘ",
    "\u{3000}",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0301}",
    "\u{E0041}",
    "¥",
    "￥",
    "元",
    "x",
    "X",
    "0",
    "9",
    "+86",
    "0086",
    "WB",
    "-",
    ".",
    " ",
    "\n",
    "\t",
    "=",
    "\"",
    "[",
    "]",
    ",",
    "'''",
    "[[hall]]",
    "2147483647",
    "-2147483648",
    "9223372036854775807",
    "18446744073709551616",
    "1e309",
    "nan",
    "-inf",
    "0229",
    "1231",
    "99991231",
    "00000000",
    "sun-mon",
    "23:59",
    "24:00",
];

#[test]
fn smoke_fuzz_id_number() {
    smoke::smoke("id_number", &[], 3000, SNIPPETS, checks::id_number);
}

#[test]
fn smoke_fuzz_names() {
    smoke::smoke("names", &[], 3000, SNIPPETS, checks::names);
}

#[test]
fn smoke_fuzz_addresses() {
    smoke::smoke("addresses", &[], 3000, SNIPPETS, checks::addresses);
}

#[test]
fn smoke_fuzz_data_files() {
    smoke::smoke(
        "data_files",
        &[
            "calendar/2026.toml",
            "calendar/2024.toml",
            "halls/shanghai-sample.toml",
        ],
        600,
        SNIPPETS,
        checks::data_files,
    );
}

/// The seeds that should parse do, so the invariants above are exercised, not skipped.
#[test]
fn the_seeds_reach_the_accepting_paths() {
    let today = checks::today();
    let ok = |t: &str, name: &str| {
        smoke::seeds(t, &[])
            .iter()
            .filter(|s| {
                let s = String::from_utf8_lossy(s);
                match name {
                    "id" => wangban_core::id_number::IdNumber::parse(&s, today).is_ok(),
                    "name" => wangban_core::name::PersonName::parse(&s).is_ok(),
                    "s10" => wangban_core::postal::S10Number::parse(&s).is_ok(),
                    _ => wangban_core::phone::MobileNumber::parse(&s).is_ok(),
                }
            })
            .count()
    };
    assert!(ok("id_number", "id") >= 3);
    assert!(ok("names", "name") >= 2);
    assert_eq!(ok("addresses", "s10"), 1);
    assert_eq!(ok("addresses", "phone"), 1);
}
