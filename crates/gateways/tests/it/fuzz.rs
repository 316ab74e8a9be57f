//! Smoke fuzz on stable Rust, in every `cargo test`: seeded pseudo-random mutations of the fuzz
//! targets' seed inputs (`fuzz/seeds/`) through the same checks as the cargo-fuzz targets
//! (`fuzz/checks.rs`): no input may panic, and the invariants hold (only a genuine signature
//! verifies; what reads as a value writes back the same).

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

/// Snippets that matter to these parsers: signature header parts, extreme timestamps, JSON
/// punctuation and values, Han text.
const SNIPPETS: &[&str] = &[
    "t=",
    "v1=",
    ",",
    "=",
    "-9223372036854775808",
    "9223372036854775807",
    "-1",
    "0",
    "00",
    "zz",
    "\n",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "true",
    "1e999",
    "-0",
    "18446744073709551616",
    "\"paid\"",
    "\"closed\"",
    "\"pending\"",
    "\"2026-02-30T00:00:00Z\"",
    "\"+262143-12-31T23:59:59Z\"",
    "\"23:59:60\"",
    "\\u0000",
    "\\ud800",
    "张",
    "\u{202E}",
    " ",
    "\n",
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
fn smoke_fuzz_payment_notification() {
    smoke(
        "payment_notification",
        &[],
        3000,
        checks::payment_notification,
    );
}

#[test]
fn smoke_fuzz_callbacks() {
    smoke("callbacks", &[], 3000, checks::callbacks);
}

/// The genuine seeds verify, so the accepting path is exercised, not skipped.
#[test]
fn the_signed_seeds_verify() {
    let verified = seeds("payment_notification", &[])
        .iter()
        .filter(|s| {
            let i = s.iter().position(|&b| b == b'\n').unwrap_or(s.len());
            wangban_gateways::payment::verify_signature(
                b"wangban-simulated-payment-secret",
                std::time::Duration::from_secs(300),
                checks::now(),
                std::str::from_utf8(&s[..i]).ok(),
                s.get(i + 1..).unwrap_or_default(),
            )
            .is_ok()
        })
        .count();
    assert_eq!(verified, 2);
}
