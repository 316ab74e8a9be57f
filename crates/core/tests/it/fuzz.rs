//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs through the same checks as the cargo-fuzz targets (`fuzz/checks.rs`):
//! no input may panic, and what is accepted keeps its invariants (it reads back the same).

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

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

/// xorshift64*: fixed seed, the same inputs every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four byte- or snippet-level edits of `seed`.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(7) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                const BYTES: &[u8] = b"0123456789Xx -.\n=\"[],:";
                b[i] = BYTES[rng.below(BYTES.len())];
            }
            2 | 3 => {
                let s = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes();
                b.splice(at..at, s.iter().copied());
            }
            4 => {
                let end = (at + 1 + rng.below(8)).min(b.len());
                b.drain(at.min(end)..end);
            }
            5 => {
                let end = (at + 1 + rng.below(16)).min(b.len());
                let copy = b[at.min(end)..end].to_vec();
                b.splice(at..at, copy);
            }
            _ => b.truncate(at),
        }
    }
    b
}

/// The seed files of a target (`fuzz/seeds/<target>/`) and any extra files.
fn seeds(target: &str, extra: &[&str]) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(root.join("fuzz/seeds").join(target))
        .expect("the seed folder")
        .map(|e| std::fs::read(e.expect("an entry").path()).expect("a seed"))
        .collect();
    for f in extra {
        out.push(std::fs::read(root.join(f)).expect("an extra seed"));
    }
    assert!(!out.is_empty());
    out
}

fn smoke(target: &str, extra: &[&str], iterations: usize, check: fn(&[u8])) {
    let seeds = seeds(target, extra);
    for s in &seeds {
        check(s);
    }
    let mut rng = Rng(0x5eed_0000_c04e_f022 ^ target.len() as u64);
    for i in 0..iterations {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        check(&input);
    }
}

#[test]
fn smoke_fuzz_id_number() {
    smoke("id_number", &[], 3000, checks::id_number);
}

#[test]
fn smoke_fuzz_names() {
    smoke("names", &[], 3000, checks::names);
}

#[test]
fn smoke_fuzz_addresses() {
    smoke("addresses", &[], 3000, checks::addresses);
}

#[test]
fn smoke_fuzz_data_files() {
    smoke(
        "data_files",
        &[
            "calendar/2026.toml",
            "calendar/2024.toml",
            "halls/shanghai-sample.toml",
        ],
        600,
        checks::data_files,
    );
}

/// The seeds that should parse do, so the invariants above are exercised, not skipped.
#[test]
fn the_seeds_reach_the_accepting_paths() {
    let today = checks::today();
    let ok = |t: &str, name: &str| {
        seeds(t, &[])
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
