//! Loading arbitrary bytes: never panics, a failed load changes nothing, and a successful
//! one yields a valid model whose bytes save back identically.
//!
//! The first byte picks the target type and how far to repair the bytes so the fuzzer gets
//! past the magic number and the CRC to the deeper checks:
//! - bits 0-1: target (a binary Gln2, a 3-class Gln1 with its standardiser, a Gln4, a
//!   standardiser);
//! - bit 2: write a valid magic, version and record length;
//! - bit 3: recompute the CRC;
//! - bit 4: ignore the rest and instead build valid bytes from a trained model, then flip
//!   the bits the remaining input names (a structure-aware mutation);
//! - bit 5: the Gaussian GLN and detector loaders instead: bits 0-1 pick a Gaussian GLN, a
//!   3-head Gaussian GLN with its standardiser, a one-channel detector, a two-channel
//!   detector; with bit 4, the mutation of a trained detector's bytes;
//! - bit 6: a source whose second read differs from the first (a flash read disturb): valid
//!   bytes of a trained model on the check read, the same bytes with the bit flips the rest
//!   names (and, with bit 3, the CRC recomputed) on the apply read; bits 0-1 pick a Gln2, a
//!   standardiser, a one-channel detector, a Gln2 with its standardiser. A load that succeeds
//!   must have applied a record that checks, and a failed one must change nothing.
#![no_main]

use gln::detector::{Detector, DetectorConfig};
use gln::gaussian::{GaussianConfig, GaussianGln1, GaussianGln2, GaussianInput, GaussianNetwork};
use gln::{Config, Gln1, Gln2, Gln4, Input, Network, Persist, Standardizer};
use libfuzzer_sys::fuzz_target;

type A = Gln2<3, 3, 4, 2, 4>;
type B = (Gln1<2, 2, 1, 2, 3>, Standardizer<2>);
type C = Gln4<2, 2, 3, 2, 2, 1, 2>;
type S = Standardizer<3>;
type G = GaussianGln2<3, 3, 4, 2, 4>;
type H = (GaussianGln1<2, 2, 1, 2, 3>, Standardizer<2>);
type D1 = Detector<1, 4, 2, 2, GaussianGln1<2, 2, 1, 2>>;
type D2 = Detector<2, 3, 2, 2, GaussianGln1<2, 2, 1, 2>>;

fn saved<P: Persist>(p: &P) -> Vec<u8> {
    let mut b = vec![0u8; P::SAVED_BYTES];
    p.save(&mut b).unwrap();
    b
}

fn repair<P: Persist>(mode: u8, bytes: &mut Vec<u8>) {
    if mode & 4 != 0 && bytes.len() >= 12 {
        bytes[0..4].copy_from_slice(b"GLNm");
        // A layout version some kind reads (1, or 2 for the detector), kept if it is one.
        let v = u16::from_le_bytes([bytes[4], bytes[5]]);
        let v = if (1..=2).contains(&v) { v } else { 1 };
        bytes[4..6].copy_from_slice(&v.to_le_bytes());
        let n = (P::SAVED_BYTES as u32).to_le_bytes();
        bytes[8..12].copy_from_slice(&n);
    }
    if mode & 8 != 0 && bytes.len() >= P::SAVED_BYTES {
        let n = P::SAVED_BYTES;
        let c = gln::persist::crc32(&bytes[..n - 4]);
        bytes[n - 4..n].copy_from_slice(&c.to_le_bytes());
    }
}

/// Loads `bytes` into `target` and checks the outcome. `valid` checks a loaded value.
fn load_into<P: Persist + Clone + PartialEq + core::fmt::Debug>(
    target: &mut P,
    bytes: &[u8],
    valid: impl Fn(&P),
) {
    let before = target.clone();
    let before_bytes = saved(target);
    let checked = P::check(bytes);
    match target.load(bytes) {
        Ok(()) => {
            assert_eq!(checked, Ok(()));
            valid(target);
            // Canonical: what loaded saves back to the same bytes.
            assert_eq!(saved(target), &bytes[..P::SAVED_BYTES]);
        }
        Err(e) => {
            assert_eq!(checked, Err(e));
            assert_eq!(*target, before, "a failed load changed the target");
            assert_eq!(saved(target), before_bytes);
        }
    }
}

fn valid_net<M: Network<D, D, N>, const D: usize, const N: usize>(m: &M) {
    let beta = m.config().beta;
    m.for_each_weight(&mut |w| assert!(w.is_finite() && w.abs() <= beta, "weight {w}"));
    let z = [0.5f32; D];
    let eps = m.config().eps;
    for p in m.predict_all(&Input::from_side(&z).unwrap()) {
        assert!(p >= eps && p <= 1.0 - eps, "probability {p}");
    }
}

fn valid_gaussian<M: GaussianNetwork<D, D, N>, const D: usize, const N: usize>(m: &M) {
    let c = *m.config();
    m.for_each_weight(&mut |w| assert!(w.is_finite() && w.abs() <= c.beta, "weight {w}"));
    let z = [0.5f32; D];
    for g in m.predict_all(&GaussianInput::from_side(&z, 1.0).unwrap()) {
        assert!(
            g.variance >= c.sigma2_min && g.variance <= c.sigma2_max,
            "{g:?}"
        );
        assert!(g.mean.abs() <= c.mean_bound, "{g:?}");
    }
}

/// Loads `bytes` into a detector: a failed load changes nothing (saved bytes and
/// fingerprint); a successful one gives a detector whose state saves back to the same bytes
/// and keeps working (a reading gives a finite verdict).
fn load_detector<const CH: usize, const W: usize>(
    target: &mut Detector<CH, W, 2, 2, GaussianGln1<2, 2, 1, 2>>,
    bytes: &[u8],
) where
    Detector<CH, W, 2, 2, GaussianGln1<2, 2, 1, 2>>: Persist,
{
    type Det<const CH: usize, const W: usize> = Detector<CH, W, 2, 2, GaussianGln1<2, 2, 1, 2>>;
    let (before, fp) = (saved(target), target.fingerprint());
    let checked = Det::<CH, W>::check(bytes);
    match target.load(bytes) {
        Ok(()) => {
            assert_eq!(checked, Ok(()));
            let now = saved(target);
            if gln::persist::saved_version(bytes) == gln::persist::saved_version(&now) {
                assert_eq!(now, &bytes[..Det::<CH, W>::SAVED_BYTES]);
            } else {
                // An older layout (migrated): saved again in the current one, it loads back
                // to the same detector.
                let mut again = target.clone();
                again.load(&now).unwrap();
                assert_eq!(again.fingerprint(), target.fingerprint());
                assert_eq!(saved(&again), now);
            }
            for c in 0..CH {
                valid_gaussian::<_, 2, 1>(target.model(c).unwrap());
            }
            let mut d = target.clone();
            let v = d.update(&[1.0; CH]).unwrap();
            assert!(
                v.score.is_finite() && v.nll.is_finite() && v.instant.is_finite(),
                "{v:?}"
            );
        }
        Err(e) => {
            assert_eq!(checked, Err(e));
            assert_eq!(saved(target), before, "a failed load changed the detector");
            assert_eq!(target.fingerprint(), fp);
        }
    }
}

fn trained_detector(rest: &[u8]) -> D1 {
    let config = DetectorConfig::DEFAULT.with_warmup(5);
    let mut d = D1::with_seed(u64::from(rest.first().copied().unwrap_or(0)), config);
    for (t, w) in rest.chunks(2).take(64).enumerate() {
        match w {
            [0xFF, _] => d.missing(),
            [0xFE, _] => d.freeze(!d.is_frozen()),
            _ => {
                let v = i16::from_le_bytes([w[0], w.get(1).copied().unwrap_or(0)]);
                d.update(&[f32::from(v) / 64.0 + t as f32 * 0.01]).unwrap();
            }
        }
    }
    d
}

fn gaussian_and_detector(mode: u8, rest: &[u8]) {
    if mode & 16 != 0 {
        // Valid bytes from a trained detector, then bit flips at the positions named.
        let (train, flips) = rest.split_at(rest.len() / 2);
        let d = trained_detector(train);
        let mut bytes = saved(&d);
        for f in flips.chunks(2) {
            let pos = (usize::from(f[0]) | usize::from(f.get(1).copied().unwrap_or(0) & 3) << 8)
                % bytes.len();
            bytes[pos] ^= 1 << (f.get(1).copied().unwrap_or(0) >> 5);
        }
        repair::<D1>(mode, &mut bytes);
        let mut target = D1::with_seed(9, DetectorConfig::DEFAULT);
        load_detector(&mut target, &bytes);
        if flips.is_empty() {
            assert_eq!(target.fingerprint(), d.fingerprint());
        }
        return;
    }
    let mut bytes = rest.to_vec();
    match mode & 3 {
        0 => {
            repair::<G>(mode, &mut bytes);
            let mut t = G::new(1, GaussianConfig::DEFAULT);
            let before = t.clone();
            let checked = G::check(&bytes);
            match t.load(&bytes) {
                Ok(()) => {
                    assert_eq!(checked, Ok(()));
                    valid_gaussian::<_, 3, 1>(&t);
                    assert_eq!(saved(&t), &bytes[..G::SAVED_BYTES]);
                }
                Err(e) => {
                    assert_eq!(checked, Err(e));
                    assert_eq!(t, before, "a failed load changed the model");
                }
            }
        }
        1 => {
            repair::<H>(mode, &mut bytes);
            let mut t: H = (
                GaussianGln1::new(2, GaussianConfig::DEFAULT),
                Standardizer::new(1.0),
            );
            load_into(&mut t, &bytes, |(m, _)| valid_gaussian::<_, 2, 3>(m));
        }
        2 => {
            repair::<D1>(mode, &mut bytes);
            load_detector(&mut D1::with_seed(3, DetectorConfig::DEFAULT), &bytes);
        }
        _ => {
            repair::<D2>(mode, &mut bytes);
            load_detector(&mut D2::with_seed(4, DetectorConfig::DEFAULT), &bytes);
        }
    }
}

fn trained_a(rest: &[u8]) -> A {
    let mut m = A::new(
        u64::from(rest.first().copied().unwrap_or(0)),
        Config::DEFAULT,
    );
    for (t, w) in rest.chunks(3).take(64).enumerate() {
        let z: [f32; 3] =
            core::array::from_fn(|i| f32::from(w.get(i).copied().unwrap_or(0)) / 32.0 - 4.0);
        m.learn(&Input::from_side(&z).unwrap(), t % 2 == 0);
    }
    m
}

/// Gives `first` until the first rewind, then `second`.
struct Twice<'a> {
    first: &'a [u8],
    second: &'a [u8],
    rewound: bool,
    pos: usize,
}

impl gln::persist::Source for Twice<'_> {
    type Error = ();
    fn read(&mut self, out: &mut [u8]) -> Result<(), ()> {
        let bytes = if self.rewound {
            self.second
        } else {
            self.first
        };
        let src = bytes.get(self.pos..self.pos + out.len()).ok_or(())?;
        out.copy_from_slice(src);
        self.pos += out.len();
        Ok(())
    }
    fn rewind(&mut self) -> Result<(), ()> {
        (self.rewound, self.pos) = (true, 0);
        Ok(())
    }
}

/// Loads `target` through a source that gives `first`, then (after the rewind) `first` with
/// the bit flips `flips` names: on success the bytes applied are a record that checks and
/// the target saves them back; on failure nothing changed.
fn load_twice<P: Persist>(mode: u8, target: &mut P, first: &[u8], flips: &[u8]) {
    let mut second = first.to_vec();
    for f in flips.chunks(2) {
        let pos = (usize::from(f[0]) | usize::from(f.get(1).copied().unwrap_or(0) & 7) << 8)
            % second.len();
        second[pos] ^= 1 << (f.get(1).copied().unwrap_or(0) >> 5);
    }
    if mode & 8 != 0 {
        // Recompute the CRC of each record (a pair holds two).
        let mut start = 0;
        while start + 12 <= second.len() {
            let n = u32::from_le_bytes(first[start + 8..start + 12].try_into().unwrap()) as usize;
            let end = start + n;
            let c = gln::persist::crc32(&second[start..end - 4]);
            second[end - 4..end].copy_from_slice(&c.to_le_bytes());
            start = end;
        }
    }
    let before = saved(target);
    match target.load_from(&mut Twice {
        first,
        second: &second,
        rewound: false,
        pos: 0,
    }) {
        Ok(()) => {
            assert_eq!(P::check(&second), Ok(()), "applied bytes that do not check");
            assert_eq!(saved(target), second, "applied other bytes than it read");
        }
        Err(_) => assert_eq!(saved(target), before, "a failed load changed the target"),
    }
}

fn disturbed(mode: u8, rest: &[u8]) {
    let (train, flips) = rest.split_at(rest.len() / 2);
    let m = trained_a(train);
    let mut s = S::new(0.5);
    for w in train.chunks(3).take(64) {
        let z: [f32; 3] = core::array::from_fn(|i| f32::from(w.get(i).copied().unwrap_or(0)));
        let _ = s.update(&z);
    }
    match mode & 3 {
        0 => load_twice(mode, &mut A::new(9, Config::DEFAULT), &saved(&m), flips),
        1 => load_twice(mode, &mut S::new(1.0), &saved(&s), flips),
        2 => {
            let d = trained_detector(train);
            load_twice(
                mode,
                &mut D1::with_seed(9, DetectorConfig::DEFAULT),
                &saved(&d),
                flips,
            );
        }
        _ => {
            let mut t = (A::new(9, Config::DEFAULT), S::new(1.0));
            load_twice(mode, &mut t, &saved(&(m, s)), flips);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 64 != 0 {
        disturbed(mode, rest);
        return;
    }
    if mode & 32 != 0 {
        gaussian_and_detector(mode, rest);
        return;
    }
    if mode & 16 != 0 {
        // Valid bytes from a trained model, then bit flips at the positions the input names.
        let (train, flips) = rest.split_at(rest.len() / 2);
        let m = trained_a(train);
        let mut bytes = saved(&m);
        for f in flips.chunks(2) {
            let pos = usize::from(f[0]) | usize::from(f.get(1).copied().unwrap_or(0) & 1) << 8;
            let bit = f.get(1).copied().unwrap_or(0) >> 5;
            if let Some(b) = bytes.get_mut(pos) {
                *b ^= 1 << bit;
            }
        }
        repair::<A>(mode, &mut bytes);
        let mut target = A::new(9, Config::DEFAULT);
        load_into(&mut target, &bytes, valid_net::<_, 3, 1>);
        if flips.is_empty() {
            assert_eq!(target.fingerprint(), m.fingerprint());
        }
        return;
    }
    let mut bytes = rest.to_vec();
    match mode & 3 {
        0 => {
            repair::<A>(mode, &mut bytes);
            load_into(
                &mut A::new(1, Config::DEFAULT),
                &bytes,
                valid_net::<_, 3, 1>,
            );
        }
        1 => {
            repair::<B>(mode, &mut bytes);
            let mut t: B = (Gln1::new(2, Config::DEFAULT), Standardizer::new(1.0));
            load_into(&mut t, &bytes, |(m, _)| valid_net::<_, 2, 3>(m));
        }
        2 => {
            repair::<C>(mode, &mut bytes);
            load_into(
                &mut C::new(3, Config::DEFAULT),
                &bytes,
                valid_net::<_, 2, 1>,
            );
        }
        _ => {
            repair::<S>(mode, &mut bytes);
            load_into(&mut S::new(0.5), &bytes, |s| {
                assert!(s.mean().iter().all(|m| m.is_finite()));
            });
        }
    }
});
