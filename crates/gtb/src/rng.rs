//! Randomness of the world through one interface, with two sources: numpy's legacy
//! `RandomState` bit for bit (to reproduce the reference exactly) and a fast generator that
//! draws only what the economy uses, with the same distributions.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Every draw the world makes.
pub trait GtbRng {
    /// An integer uniform on `low..high` (numpy `randint(low, high)`).
    fn randint(&mut self, low: usize, high: usize) -> usize;
    /// A random permutation of `0..n` written into `out` (numpy `permutation(n)`).
    fn permutation(&mut self, n: usize, out: &mut Vec<usize>);
    /// A Lomax (Pareto II) draw with shape `a` (numpy legacy `pareto(a)`).
    fn pareto(&mut self, a: f64) -> f64;
    /// A uniform on [0, 1) (numpy `rand()`).
    fn rand(&mut self) -> f64;
    /// `n` uniforms on [`low`, `high`) (numpy `uniform(low, high, n)`).
    fn uniform(&mut self, low: f64, high: f64, n: usize) -> Vec<f64>;
    /// Regrowth on a grid of `cells` tiles: for each tile of `sources` (flat indices,
    /// ascending) whether a uniform falls below `p`, into `regrow` (one per source). numpy
    /// draws a uniform for every tile of the grid (`rand(H, W)`); a fast source draws only
    /// for the source tiles.
    fn regrow(&mut self, cells: usize, sources: &[usize], p: f64, regrow: &mut Vec<bool>);
}

/// Which source of randomness a world uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RngKind {
    /// numpy's legacy `RandomState` (MT19937), bit for bit: the reference's trajectories.
    NumpyLegacy,
    /// Xoshiro256++ drawing only what the economy uses: same distributions, faster.
    Fast,
}

impl std::str::FromStr for RngKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "numpy-legacy" => Ok(RngKind::NumpyLegacy),
            "fast" => Ok(RngKind::Fast),
            _ => Err(format!("unknown RNG {s:?}; use numpy-legacy or fast")),
        }
    }
}

impl RngKind {
    /// A generator of this kind seeded with `seed` (numpy: `np.random.seed(seed)`, so the seed
    /// must fit in 32 bits).
    pub fn seeded(self, seed: u64) -> Result<Box<dyn GtbRng + Send + Sync>, String> {
        match self {
            RngKind::NumpyLegacy => {
                let s = u32::try_from(seed)
                    .map_err(|_| format!("a numpy seed lies in 0..2^32, got {seed}"))?;
                Ok(Box::new(NumpyLegacy::new(s)))
            }
            RngKind::Fast => Ok(Box::new(FastRng::new(seed))),
        }
    }
}

const N: usize = 624;
const M: usize = 397;

/// numpy's legacy `RandomState`: MT19937 seeded by `init_genrand` and the legacy algorithms
/// for doubles, bounded integers, permutations, Pareto and uniform draws.
#[derive(Clone)]
pub struct NumpyLegacy {
    key: [u32; N],
    pos: usize,
}

impl NumpyLegacy {
    /// `np.random.seed(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; N];
        key[0] = seed;
        for i in 1..N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        NumpyLegacy { key, pos: N }
    }

    /// The position in the key (numpy `get_state()[2]`).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The key (numpy `get_state()[1]`).
    pub fn key(&self) -> &[u32; N] {
        &self.key
    }

    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX: u32 = 0x9908_b0df;
        let mix = |a: u32, b: u32, c: u32| {
            let y = (a & UPPER) | (b & LOWER);
            c ^ (y >> 1) ^ (MATRIX & (y & 1).wrapping_neg())
        };
        let k = &mut self.key;
        for i in 0..N - M {
            k[i] = mix(k[i], k[i + 1], k[i + M]);
        }
        for i in N - M..N - 1 {
            k[i] = mix(k[i], k[i + 1], k[i + M - N]);
        }
        k[N - 1] = mix(k[N - 1], k[0], k[M - 1]);
        self.pos = 0;
    }

    /// Advance past `n` outputs.
    pub fn skip(&mut self, mut n: usize) {
        while n > 0 {
            if self.pos >= N {
                self.twist();
            }
            let step = n.min(N - self.pos);
            self.pos += step;
            n -= step;
        }
    }

    /// One MT19937 output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A double on [0, 1) from two outputs (the first gives the high bits).
    pub fn double(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// An integer uniform on `0..=max` by masked rejection.
    fn bounded(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        loop {
            let v = self.next_u32() & mask;
            if v <= max {
                return v;
            }
        }
    }
}

impl GtbRng for NumpyLegacy {
    fn randint(&mut self, low: usize, high: usize) -> usize {
        low + self.bounded((high - 1 - low) as u32) as usize
    }

    fn permutation(&mut self, n: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend(0..n);
        for i in (1..n).rev() {
            let j = self.bounded(i as u32) as usize;
            out.swap(i, j);
        }
    }

    fn pareto(&mut self, a: f64) -> f64 {
        // Legacy: exp(E / a) - 1 with E = -log(1 - U); exp(x) - 1, not expm1.
        let e = -(1.0 - self.double()).ln();
        (e / a).exp() - 1.0
    }

    fn rand(&mut self) -> f64 {
        self.double()
    }

    fn uniform(&mut self, low: f64, high: f64, n: usize) -> Vec<f64> {
        let range = high - low;
        (0..n).map(|_| low + range * self.double()).collect()
    }

    fn regrow(&mut self, cells: usize, sources: &[usize], p: f64, regrow: &mut Vec<bool>) {
        // numpy draws a double (two outputs) for every tile; only the sources' are needed,
        // so the others are skipped without tempering.
        regrow.clear();
        let mut cell = 0;
        for &source in sources {
            self.skip(2 * (source - cell));
            regrow.push(self.double() < p);
            cell = source + 1;
        }
        self.skip(2 * (cells - cell));
    }
}

/// Xoshiro256++ with the same distributions as [`NumpyLegacy`], drawing only what is used.
#[derive(Clone)]
pub struct FastRng(Xoshiro256PlusPlus);

impl FastRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        FastRng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    fn double(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform on `0..n` (Lemire's multiply-shift with rejection).
    fn below(&mut self, n: u64) -> u64 {
        loop {
            let m = (self.0.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }
}

impl GtbRng for FastRng {
    fn randint(&mut self, low: usize, high: usize) -> usize {
        low + self.below((high - low) as u64) as usize
    }

    fn permutation(&mut self, n: usize, out: &mut Vec<usize>) {
        out.clear();
        out.extend(0..n);
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            out.swap(i, j);
        }
    }

    fn pareto(&mut self, a: f64) -> f64 {
        let e = -(1.0 - self.double()).ln();
        (e / a).exp() - 1.0
    }

    fn rand(&mut self) -> f64 {
        self.double()
    }

    fn uniform(&mut self, low: f64, high: f64, n: usize) -> Vec<f64> {
        (0..n).map(|_| low + (high - low) * self.double()).collect()
    }

    fn regrow(&mut self, _cells: usize, sources: &[usize], p: f64, regrow: &mut Vec<bool>) {
        regrow.clear();
        regrow.extend(sources.iter().map(|_| self.double() < p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first outputs of MT19937 seeded by init_genrand(5489), the reference generator's
    /// published test vector.
    #[test]
    fn mt19937_matches_the_reference_sequence() {
        let mut rng = NumpyLegacy::new(5489);
        let first: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
        assert_eq!(
            first,
            [
                3_499_211_612,
                581_869_302,
                3_890_346_734,
                3_586_334_585,
                545_404_204
            ]
        );
        // The 10,000th output of the default seed (C++ std::mt19937's required value).
        let mut rng = NumpyLegacy::new(5489);
        let v = (0..10_000).map(|_| rng.next_u32()).last().unwrap();
        assert_eq!(v, 4_123_659_995);
    }

    #[test]
    fn skipping_equals_drawing() {
        let (mut a, mut b) = (NumpyLegacy::new(9), NumpyLegacy::new(9));
        for n in [0, 1, 623, 624, 625, 1250, 3000] {
            a.skip(n);
            for _ in 0..n {
                b.next_u32();
            }
            assert_eq!(a.next_u32(), b.next_u32(), "{n}");
        }
        let sources = [0, 5, 7, 624];
        let (mut a, mut b) = (NumpyLegacy::new(4), NumpyLegacy::new(4));
        let mut grow = Vec::new();
        a.regrow(625, &sources, 0.5, &mut grow);
        let all: Vec<f64> = (0..625).map(|_| b.double()).collect();
        let expected: Vec<bool> = sources.iter().map(|&s| all[s] < 0.5).collect();
        assert_eq!(grow, expected);
        assert_eq!((a.position(), a.key()), (b.position(), b.key()));
    }

    #[test]
    fn permutations_are_permutations_and_fast_draws_have_the_right_means() {
        let mut rngs: Vec<Box<dyn GtbRng>> =
            vec![Box::new(NumpyLegacy::new(3)), Box::new(FastRng::new(3))];
        for rng in &mut rngs {
            let mut p = Vec::new();
            for n in 1..9 {
                rng.permutation(n, &mut p);
                let mut sorted = p.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            }
            let draws = 200_000;
            // Lomax(a) has mean 1/(a - 1).
            let mean = (0..draws).map(|_| rng.pareto(4.0)).sum::<f64>() / draws as f64;
            assert!((mean - 1.0 / 3.0).abs() < 0.01, "{mean}");
            let mean = (0..draws).map(|_| rng.randint(0, 25) as f64).sum::<f64>() / draws as f64;
            assert!((mean - 12.0).abs() < 0.05, "{mean}");
            let mut regrow = Vec::new();
            let sources: Vec<usize> = (0..625).step_by(7).collect();
            let mut hits = 0;
            for _ in 0..2000 {
                rng.regrow(625, &sources, 0.01, &mut regrow);
                assert_eq!(regrow.len(), sources.len());
                hits += regrow.iter().filter(|&&r| r).count();
            }
            let rate = hits as f64 / (2000 * sources.len()) as f64;
            assert!((rate - 0.01).abs() < 0.002, "{rate}");
        }
    }
}
