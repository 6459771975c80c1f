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
//!   the bits the remaining input names (a structure-aware mutation).
#![no_main]

use gln::{Config, Gln1, Gln2, Gln4, Input, Network, Persist, Standardizer};
use libfuzzer_sys::fuzz_target;

type A = Gln2<3, 3, 4, 2, 4>;
type B = (Gln1<2, 2, 1, 2, 3>, Standardizer<2>);
type C = Gln4<2, 2, 3, 2, 2, 1, 2>;
type S = Standardizer<3>;

fn saved<P: Persist>(p: &P) -> Vec<u8> {
    let mut b = vec![0u8; P::SAVED_BYTES];
    p.save(&mut b).unwrap();
    b
}

fn repair<P: Persist>(mode: u8, bytes: &mut Vec<u8>) {
    if mode & 4 != 0 && bytes.len() >= 12 {
        bytes[0..4].copy_from_slice(b"GLNm");
        bytes[4..6].copy_from_slice(&1u16.to_le_bytes());
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

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
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
