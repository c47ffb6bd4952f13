//! The throughput corpus: loghub `Content` lines resampled deterministically.

use std::path::Path;

use anyhow::Result;

use crate::loghub;

/// A small deterministic PRNG (xorshift64*), so the corpus is the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..bound` (`bound > 0`).
    #[allow(clippy::cast_possible_truncation)]
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// The `Content` lines of every data set under `dir` (loghub-2k layout), in file order.
///
/// # Errors
/// When a data set cannot be read or there is none.
pub fn loghub_pool(dir: &Path) -> Result<Vec<String>> {
    let mut pool = Vec::new();
    for set in loghub::datasets(dir)? {
        pool.extend(loghub::load(&set.path)?.into_iter().map(|r| r.content));
    }
    anyhow::ensure!(!pool.is_empty(), "no loghub lines under {}", dir.display());
    Ok(pool)
}

/// The throughput corpus: `lines` lines drawn from `pool` with a fixed seed, as borrowed
/// slices (the corpus itself costs no memory beyond the pool).
#[must_use]
pub fn resample(pool: &[String], lines: usize) -> Vec<&str> {
    let mut rng = Rng::new(0x5eed_1065);
    (0..lines)
        .map(|_| pool[rng.below(pool.len())].as_str())
        .collect()
}

/// Writes the `i`-th unique random line into `line`: 4-12 random lower-case words (a worst case
/// for the form table: no two lines share a masked form).
pub fn random_line(rng: &mut Rng, i: usize, line: &mut String) {
    use std::fmt::Write;
    line.clear();
    let words = 4 + rng.below(9);
    // a word built from the line number keeps every line unique
    let mut n = i;
    loop {
        #[allow(clippy::cast_possible_truncation)]
        line.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    let _ = write!(line, "q");
    for _ in 0..words {
        line.push(' ');
        let len = 2 + rng.below(9);
        for _ in 0..len {
            #[allow(clippy::cast_possible_truncation)]
            line.push((b'a' + rng.below(26) as u8) as char);
        }
    }
}
