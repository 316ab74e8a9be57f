//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs (`fuzz/seeds/`) through the same checks as the cargo-fuzz targets
//! (`fuzz/checks.rs`): the request bodies through the handlers' extractors and the answer
//! checks, and the configuration loader. No input may panic, and the invariants hold.

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

/// Snippets that matter to these parsers: JSON and urlencoded punctuation, percent escapes
/// (valid and not), TOML punctuation, extreme numbers, Han, full-width and invisible text.
const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "&",
    "=",
    "%",
    "%E5%BC%A0",
    "%FF",
    "%2",
    "+",
    "%00",
    "\\u0000",
    "\\ud800",
    "张",
    "８",
    "\u{3000}",
    "\u{202E}",
    "\u{0301}",
    "\u{FEFF}",
    " ",
    "\n",
    "\t",
    "[fees]",
    "[[x]]",
    "WANGBAN_",
    "__",
    "WANGBAN_FEES__PASSPORT=",
    "WANGBAN_LISTEN=",
    "nan",
    "inf",
    "'''",
    "\"method\":\"mail\"",
    "method=mail&",
    "method=pickup&",
    "\"delivery\":",
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
fn smoke_fuzz_form_bodies() {
    smoke("form_bodies", &[], 1500, checks::form_bodies);
}

#[test]
fn smoke_fuzz_config() {
    smoke(
        "config",
        &["../../deploy/wangban.toml"],
        250,
        checks::config,
    );
}
