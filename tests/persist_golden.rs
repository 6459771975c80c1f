//! Saved bytes pinned down: if the layout, the meaning of a field or the way hyperplanes are
//! drawn from a seed changes, these tests fail, and `persist::FORMAT_VERSION` must be bumped
//! (and old bytes either still read or refused with `UnsupportedVersion`).
//!
//! The bytes are the same on every target; the board parity tests can compare the same
//! constants.

use gln::{Config, Gln1, Gln2, Input, LearningRate, Persist, Standardizer, WeightInit};

type Tiny = Gln1<2, 2, 1, 2>;

/// The configuration of the pinned models, spelled out so that a change of
/// `Config::DEFAULT` does not move the bytes.
const PINNED: Config = Config {
    eps: 0.01,
    beta: 5.0,
    learning_rate: LearningRate::constant(0.01),
    init: WeightInit::Average,
    offset_std: 0.05,
};

fn tiny_trained() -> Tiny {
    let mut m = Tiny::new(2024, PINNED);
    for t in 0..40u32 {
        let z = [t as f32 * 0.25 - 5.0, 1.5 - t as f32 * 0.125];
        m.learn(&Input::from_side(&z).unwrap(), t % 3 == 0);
    }
    m
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `tiny_trained()` saved with format version 1.
const TINY_V1: &str = "474c4e6d010001009c00000000000000010000000200000002000000010000000200000001000000010000000000000000000000000000000000000000000000e80700000000000028000000000000000ad7233c0000a040000000000ad7233c0000000000000000000000000000807f01000000cdcc4c3d218c6646238e7d6a2399ad3e7b85ac3e5ee5a73e095e813e96d3d43e07f2943e9c84b218";
/// Its fingerprint.
const TINY_FINGERPRINT: u64 = 0xa91963e0b2b0bc46;

#[test]
fn saved_bytes_are_pinned() {
    let m = tiny_trained();
    let mut b = [0u8; Tiny::SAVED_BYTES];
    m.save(&mut b).unwrap();
    println!("{}\n{:#018x}", hex(&b), m.fingerprint());
    assert_eq!(hex(&b), TINY_V1);
    assert_eq!(m.fingerprint(), TINY_FINGERPRINT);
}

#[test]
fn pinned_bytes_still_load() {
    let b = unhex(TINY_V1);
    let m = Tiny::from_bytes(&b).unwrap();
    assert_eq!(m.fingerprint(), TINY_FINGERPRINT);
    assert_eq!(m.steps(), 40);
    // And a model of another shape (with hidden layers) and a standardiser, by CRC.
    let mut g = Gln2::<3, 3, 4, 2, 4>::new(7, PINNED);
    let mut s = Standardizer::<3>::new(0.5);
    for t in 0..25u32 {
        let raw = [t as f32, (t * t) as f32 * 0.1, 3.0 - t as f32];
        let z = s.update_transform(&raw).unwrap();
        g.learn(&Input::from_side(&z).unwrap(), t % 2 == 0);
    }
    let mut buf = [0u8; <(Gln2<3, 3, 4, 2, 4>, Standardizer<3>)>::SAVED_BYTES];
    (g, s).save(&mut buf).unwrap();
    println!("pair crc {:#010x}", gln::persist::crc32(&buf));
    assert_eq!(gln::persist::crc32(&buf), 0xf927_20c0);
}
