//! The stable smoke fuzz that every `cargo test` runs, shared by the fuzz tests of core, gateways
//! and server (each includes this file with `#[path]`, as it includes its `fuzz/checks.rs`):
//! seeded pseudo-random mutations of a target's seed inputs through the target's checks. The
//! same inputs every run.

use std::path::Path;

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
fn mutate(rng: &mut Rng, seed: &[u8], snippets: &[&str]) -> Vec<u8> {
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
                let s = snippets[rng.below(snippets.len())].as_bytes();
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

/// The seed files of a target (`fuzz/seeds/<target>/` of the crate under test) and any extra
/// files.
pub fn seeds(target: &str, extra: &[&str]) -> Vec<Vec<u8>> {
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

/// Runs `check` on every seed of `target`, then on `iterations` mutations of them (edits drawn
/// from bytes and `snippets`).
pub fn smoke(target: &str, extra: &[&str], iterations: usize, snippets: &[&str], check: fn(&[u8])) {
    let seeds = seeds(target, extra);
    for s in &seeds {
        check(s);
    }
    let mut rng = Rng(0x5eed_0000_c04e_f022 ^ target.len() as u64);
    for i in 0..iterations {
        let input = mutate(&mut rng, &seeds[i % seeds.len()], snippets);
        check(&input);
    }
}
