//! Save and restore: round trips for every depth and head count, and every way a load can
//! fail, each proven to leave the target unchanged.

use crate::common::{each_flip_refused, each_truncation};
use gln::persist::{Crc32, crc32};
use gln::{
    Config, Error, Gln1, Gln2, Gln3, Gln4, Input, LearningRate, Network, Persist, PersistError,
    Schedule, Standardizer, StepScale, WeightInit,
};

/// A deterministic stream of side information in about `[-2, 2]`.
fn sample<const D: usize>(t: u64) -> [f32; D] {
    let mut r = gln::rng::SplitMix64::new(t.wrapping_mul(0x9E37_79B9) ^ 0x5EED);
    core::array::from_fn(|_| 4.0 * r.next_f32() - 2.0)
}

fn train<M: Network<D, D, N>, const D: usize, const N: usize>(m: &mut M, from: u64, steps: u64) {
    for t in from..from + steps {
        let z = sample::<D>(t);
        let x = Input::from_side(&z).unwrap();
        let label = ((z[0] + 0.5 * z[D - 1] > 0.0) as usize + (t % 3) as usize) % N;
        m.learn_class(&x, label).unwrap();
    }
}

fn saved<M: Persist>(m: &M) -> Vec<u8> {
    let mut b = vec![0u8; M::SAVED_BYTES];
    assert_eq!(m.save(&mut b), Ok(M::SAVED_BYTES));
    b
}

/// Everything observable about a model, bit for bit: its `PartialEq` state (which includes the
/// derived clipping bounds), its fingerprint (hyperplanes, weights and steps as bits) and its
/// saved bytes (seed and configuration as bits).
#[derive(Debug, PartialEq)]
struct Snapshot<M> {
    model: M,
    fingerprint: u64,
    bytes: Vec<u8>,
}

fn snapshot<M, const D: usize, const N: usize>(m: &M) -> Snapshot<M>
where
    M: Persist + Network<D, D, N> + Clone,
{
    Snapshot {
        model: m.clone(),
        fingerprint: m.fingerprint(),
        bytes: saved(m),
    }
}

/// Saves a trained model, loads it into a model built with another seed and configuration,
/// and checks the load is the identity: same fingerprint, seed, configuration and bytes,
/// and the same bits on every later step.
fn round_trip<M, const D: usize, const N: usize>(mut m: M, mut other: M)
where
    M: Persist + Network<D, D, N> + Clone + PartialEq + core::fmt::Debug,
{
    train(&mut m, 0, 300);
    let bytes = saved(&m);
    assert_eq!(M::check(&bytes), Ok(()));
    assert_ne!(other.fingerprint(), m.fingerprint());
    other.load(&bytes).unwrap();
    assert_eq!(other.fingerprint(), m.fingerprint());
    assert_eq!(other.config(), m.config());
    assert_eq!(other.steps(), m.steps());
    assert_eq!(saved(&other), bytes);
    let fresh = M::from_bytes(&bytes).unwrap();
    assert_eq!(fresh.fingerprint(), m.fingerprint());
    // The same bits from then on (the clipping bounds are recomputed, not stored).
    for t in 300..800 {
        let z = sample::<D>(t);
        let x = Input::from_side(&z).unwrap();
        let label = (t % N as u64) as usize;
        let a = m.learn_class(&x, label).unwrap();
        let b = other.learn_class(&x, label).unwrap();
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "step {t}");
        assert_eq!(m.fingerprint(), other.fingerprint(), "step {t}");
    }
}

fn tight() -> Config {
    // A small box and a large rate, so the clipping (and the bound) is exercised.
    Config::DEFAULT
        .with_beta(0.6)
        .with_learning_rate(LearningRate::constant(0.5))
}

#[test]
fn round_trip_every_depth_and_head_count() {
    let other = Config::DEFAULT
        .with_eps(0.2)
        .with_init(WeightInit::Zero)
        .with_offset_std(0.7);
    round_trip::<_, 3, 1>(Gln1::<3, 3, 2, 4>::new(1, tight()), Gln1::new(2, other));
    round_trip::<_, 3, 4>(Gln1::<3, 3, 2, 4, 4>::new(1, tight()), Gln1::new(2, other));
    round_trip::<_, 4, 1>(Gln2::<4, 4, 5, 3, 8>::new(3, tight()), Gln2::new(4, other));
    round_trip::<_, 4, 3>(
        Gln2::<4, 4, 5, 3, 8, 3>::new(3, Config::DEFAULT),
        Gln2::new(4, other),
    );
    round_trip::<_, 5, 1>(
        Gln3::<5, 5, 6, 3, 2, 4>::new(5, tight()),
        Gln3::new(6, other),
    );
    round_trip::<_, 5, 2>(
        Gln3::<5, 5, 6, 3, 4, 16, 2>::new(5, tight()),
        Gln3::new(6, other),
    );
    round_trip::<_, 2, 1>(
        Gln4::<2, 2, 3, 3, 2, 1, 2>::new(7, tight()),
        Gln4::new(8, other),
    );
    round_trip::<_, 2, 5>(
        Gln4::<2, 2, 3, 3, 2, 1, 2, 5>::new(7, Config::DEFAULT),
        Gln4::new(8, other),
    );
    // Every schedule and both initialisations survive.
    for schedule in [
        Schedule::Constant { eta: 0.1 },
        Schedule::InverseTime { c: 2.0, max: 0.3 },
        Schedule::Hyperbolic {
            a: 1.0,
            b: 0.01,
            max: 0.2,
        },
    ] {
        let lr = LearningRate {
            schedule,
            floor: 0.001,
            scale: StepScale::HiddenFanIn { reference: 3.0 },
        };
        let c = Config::DEFAULT
            .with_learning_rate(lr)
            .with_init(WeightInit::Zero);
        round_trip::<_, 3, 2>(
            Gln2::<3, 3, 4, 2, 4, 2>::new(11, c),
            Gln2::new(12, Config::DEFAULT),
        );
    }
}

#[test]
fn a_model_in_a_static_round_trips() {
    type M = Gln3<4, 4, 8, 4, 3, 8>;
    static MODEL: M = M::new(99, Config::DEFAULT);
    let mut a = MODEL.clone();
    train(&mut a, 0, 100);
    let mut b = MODEL.clone();
    b.load(&saved(&a)).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
}

#[test]
fn standardizer_and_pairs_round_trip() {
    let mut s = Standardizer::<3>::new(0.5);
    for t in 0..50 {
        s.update(&sample::<3>(t)).unwrap();
    }
    let bytes = saved(&s);
    assert_eq!(bytes.len(), 80 + 24);
    let mut t = Standardizer::<3>::new(2.0);
    t.load(&bytes).unwrap();
    assert_eq!(t, s);
    assert_eq!(saved(&t), bytes);
    assert_eq!(Standardizer::<3>::from_bytes(&bytes), Ok(s));
    // A fresh standardiser round-trips too.
    let fresh = Standardizer::<3>::new(0.0);
    assert_eq!(
        Standardizer::<3>::from_bytes(&saved(&fresh)).unwrap(),
        fresh
    );

    // A model and its statistics together, and a nested pair.
    let mut m = Gln2::<3, 3, 4, 2, 4>::new(5, Config::DEFAULT);
    train(&mut m, 0, 100);
    let pair = (m.clone(), s);
    let bytes = saved(&pair);
    let mut target = (
        Gln2::<3, 3, 4, 2, 4>::new(0, Config::DEFAULT),
        Standardizer::<3>::new(1.0),
    );
    target.load(&bytes).unwrap();
    assert_eq!(target.0.fingerprint(), m.fingerprint());
    assert_eq!(target.1, s);
    let triple = (m.clone(), (s, Standardizer::<3>::new(3.0)));
    let bytes3 = saved(&triple);
    assert_eq!(&bytes3[..bytes.len()], &bytes[..]);
    let back =
        <(Gln2<3, 3, 4, 2, 4>, (Standardizer<3>, Standardizer<3>))>::from_bytes(&bytes3).unwrap();
    assert_eq!(back.1.1.offset(), 3.0);
}

#[test]
fn a_pair_loads_all_or_nothing() {
    let mut m = Gln2::<3, 3, 4, 2, 4>::new(5, Config::DEFAULT);
    train(&mut m, 0, 100);
    let mut s = Standardizer::<3>::new(0.5);
    s.update(&[1.0, 2.0, 3.0]).unwrap();
    let mut bytes = saved(&(m.clone(), s));
    // Corrupt the second record only: the first (valid) must not be applied either.
    let last = bytes.len() - 10;
    bytes[last] ^= 0x40;
    let mut target = (
        Gln2::<3, 3, 4, 2, 4>::new(0, Config::DEFAULT),
        Standardizer::<3>::new(1.0),
    );
    let before = (snapshot::<_, 3, 1>(&target.0), target.1);
    assert!(matches!(
        target.load(&bytes),
        Err(Error::Persist(PersistError::Crc { .. }))
    ));
    assert_eq!((snapshot::<_, 3, 1>(&target.0), target.1), before);
}

type Small = Gln2<3, 3, 4, 2, 4>;

fn trained_small() -> Small {
    let mut m = Small::new(21, tight());
    train(&mut m, 0, 200);
    m
}

/// Loads `bytes` into a trained target and checks the error and that nothing changed.
fn rejects(bytes: &[u8], mut want: impl FnMut(&Error) -> bool) {
    let mut target = Small::new(77, Config::DEFAULT.with_eps(0.05));
    train(&mut target, 1000, 50);
    let before = snapshot::<_, 3, 1>(&target);
    let err = target.load(bytes).unwrap_err();
    assert!(want(&err), "unexpected error: {err:?} ({err})");
    assert_eq!(Small::check(bytes), Err(err));
    assert_eq!(
        snapshot::<_, 3, 1>(&target),
        before,
        "a failed load changed the target"
    );
}

fn fix_crc(b: &mut [u8]) {
    let n = b.len();
    let c = crc32(&b[..n - 4]);
    b[n - 4..].copy_from_slice(&c.to_le_bytes());
}

fn persist_err(e: &Error) -> Option<PersistError> {
    match e {
        Error::Persist(p) => Some(*p),
        _ => None,
    }
}

#[test]
fn save_needs_a_large_enough_buffer_and_writes_nothing_otherwise() {
    let m = trained_small();
    let mut b = vec![0xAAu8; Small::SAVED_BYTES - 1];
    assert_eq!(
        m.save(&mut b),
        Err(Error::Persist(PersistError::BufferTooSmall {
            needed: Small::SAVED_BYTES,
            found: Small::SAVED_BYTES - 1
        }))
    );
    assert!(b.iter().all(|&x| x == 0xAA));
    // A longer buffer: the record at its start, the rest untouched, and loading ignores it.
    let mut b = vec![0xAAu8; Small::SAVED_BYTES + 7];
    assert_eq!(m.save(&mut b), Ok(Small::SAVED_BYTES));
    assert!(b[Small::SAVED_BYTES..].iter().all(|&x| x == 0xAA));
    assert_eq!(
        Small::from_bytes(&b).unwrap().fingerprint(),
        m.fingerprint()
    );
}

#[test]
fn every_truncation_is_rejected() {
    let b = saved(&trained_small());
    each_truncation(&b, |prefix, len| {
        rejects(prefix, |e| match persist_err(e) {
            Some(PersistError::Truncated { needed, found }) => {
                found == len && needed == if len >= 12 { b.len() } else { needed }
            }
            Some(PersistError::BadMagic) => len < 4,
            _ => false,
        })
    });
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let b = saved(&trained_small());
    let crc_errors = each_flip_refused(&b, |flipped, ok| {
        rejects(flipped, |e| persist_err(e).is_some_and(|p| ok(&p)))
    });
    assert!(crc_errors > 8 * (b.len() - 12));
}

#[test]
fn wrong_magic_version_kind_and_shape_are_named() {
    let good = saved(&trained_small());

    let mut b = good.clone();
    b[0] = b'X';
    rejects(&b, |e| persist_err(e) == Some(PersistError::BadMagic));
    rejects(
        b"hello, this is not a model at all, but it is long enough",
        |e| persist_err(e) == Some(PersistError::BadMagic),
    );

    let mut b = good.clone();
    b[4] = 2;
    fix_crc(&mut b);
    rejects(&b, |e| {
        persist_err(e)
            == Some(PersistError::UnsupportedVersion {
                found: 2,
                oldest: 1,
                newest: 1,
            })
    });

    // A standardiser's bytes are not a model.
    let s = saved(&Standardizer::<3>::new(1.0));
    rejects(&s, |e| {
        persist_err(e)
            == Some(PersistError::WrongKind {
                expected: 1,
                found: 2,
            })
    });

    // Other shapes: width, D, K/C, heads, depth.
    let shape = |bytes: Vec<u8>, prefix: &str, expected: u32, found: u32| {
        rejects(&bytes, |e| {
            matches!(persist_err(e), Some(PersistError::WrongShape { what, expected: x, found: y })
                if what.starts_with(prefix) && x == expected && y == found)
                && e.to_string().contains(prefix)
        });
    };
    shape(
        saved(&Gln2::<3, 3, 5, 2, 4>::new(1, Config::DEFAULT)),
        "width 1",
        4,
        5,
    );
    shape(
        saved(&Gln2::<4, 4, 4, 2, 4>::new(1, Config::DEFAULT)),
        "D (side",
        3,
        4,
    );
    shape(
        saved(&Gln2::<3, 3, 4, 3, 8>::new(1, Config::DEFAULT)),
        "K (half",
        2,
        3,
    );
    shape(
        saved(&Gln2::<3, 3, 4, 2, 4, 2>::new(1, Config::DEFAULT)),
        "N (heads",
        1,
        2,
    );
    shape(
        saved(&Gln3::<3, 3, 4, 4, 2, 4>::new(1, Config::DEFAULT)),
        "depth",
        2,
        3,
    );
    shape(
        saved(&Gln1::<3, 3, 2, 4>::new(1, Config::DEFAULT)),
        "depth",
        2,
        1,
    );
}

/// The byte offset of weight `i` of a [`Small`] record.
fn weight_at(i: usize) -> usize {
    128 + 4 * i
}

#[test]
fn invalid_values_behind_a_valid_crc_are_rejected() {
    let good = saved(&trained_small());
    let with = |at: usize, bytes: &[u8]| {
        let mut b = good.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        fix_crc(&mut b);
        b
    };
    let bad_value = |b: Vec<u8>, offset: usize| {
        rejects(
            &b,
            |e| matches!(persist_err(e), Some(PersistError::BadValue { offset: o, .. }) if o as usize == offset),
        )
    };
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN] {
        bad_value(with(weight_at(5), &v.to_le_bytes()), weight_at(5));
    }
    // beta is 0.6 in `tight()`: 0.61 is out of the box, 0.6 and a subnormal are in.
    bad_value(with(weight_at(0), &0.61f32.to_le_bytes()), weight_at(0));
    bad_value(
        with(weight_at(Small::WEIGHTS - 1), &(-1e30f32).to_le_bytes()),
        weight_at(Small::WEIGHTS - 1),
    );
    let mut target = Small::new(0, Config::DEFAULT);
    target
        .load(&with(weight_at(0), &0.6f32.to_le_bytes()))
        .unwrap();
    target
        .load(&with(weight_at(1), &f32::from_bits(1).to_le_bytes()))
        .unwrap();
    // Reserved header field, unknown schedule and init tags, non-zero unused parameters.
    bad_value(with(12, &[1, 0, 0, 0]), 12);
    bad_value(with(88, &7u32.to_le_bytes()), 88);
    bad_value(with(112, &2u32.to_le_bytes()), 112);
    bad_value(with(96, &1.0f32.to_le_bytes()), 92); // `Constant` has one parameter
    bad_value(with(96, &(-0.0f32).to_le_bytes()), 92);
    // A configuration `Config::check` rejects.
    rejects(
        &with(80, &0.7f32.to_le_bytes()),
        |e| matches!(e, Error::InvalidConfig(w) if w.contains("eps")),
    );
    rejects(
        &with(84, &f32::NAN.to_le_bytes()),
        |e| matches!(e, Error::InvalidConfig(w) if w.contains("beta")),
    );
    // A record length that disagrees with the shape.
    let mut b = good.clone();
    let n = b.len() as u32 - 4;
    b.truncate(n as usize);
    b[8..12].copy_from_slice(&n.to_le_bytes());
    b.truncate(n as usize - 4);
    let c = crc32(&b);
    b.extend_from_slice(&c.to_le_bytes());
    rejects(&b, |e| {
        persist_err(e)
            == Some(PersistError::WrongLength {
                expected: n + 4,
                found: n,
            })
    });
    // Hyperplanes this build would not draw from the seed (a changed generator).
    let h = u64::from_le_bytes(good[120..128].try_into().unwrap());
    rejects(&with(120, &(h ^ 1).to_le_bytes()), |e| {
        persist_err(e) == Some(PersistError::PlanesMismatch)
    });
    // Another seed with the old hash: the same.
    rejects(&with(64, &12345u64.to_le_bytes()), |e| {
        persist_err(e) == Some(PersistError::PlanesMismatch)
    });
}

#[test]
fn invalid_standardizer_statistics_are_rejected() {
    let mut s = Standardizer::<2>::new(0.5);
    s.update(&[1.0, 2.0]).unwrap();
    s.update(&[3.0, -2.0]).unwrap();
    let good = saved(&s);
    let check = |at: usize, v: &[u8]| {
        let mut b = good.clone();
        b[at..at + v.len()].copy_from_slice(v);
        fix_crc(&mut b);
        let mut t = Standardizer::<2>::new(1.0);
        t.update(&[5.0, 5.0]).unwrap();
        let before = t;
        let e = t.load(&b).unwrap_err();
        assert!(
            matches!(e, Error::Persist(PersistError::BadValue { offset, .. }) if offset as usize == at),
            "{e:?}"
        );
        assert_eq!(t, before);
    };
    // count 64..72, offset 72..76, means 76..84, m2 84..92
    check(72, &(-1.0f32).to_le_bytes());
    check(72, &f32::INFINITY.to_le_bytes());
    check(80, &f32::NAN.to_le_bytes());
    check(88, &(-1.0f32).to_le_bytes());
    check(84, &f32::INFINITY.to_le_bytes());
    // A zero count with non-zero statistics.
    let mut b = good.clone();
    b[64..72].copy_from_slice(&0u64.to_le_bytes());
    fix_crc(&mut b);
    assert!(matches!(
        Standardizer::<2>::check(&b),
        Err(Error::Persist(PersistError::BadValue { offset: 76, .. }))
    ));
    // Wrong D.
    assert_eq!(
        Standardizer::<3>::check(&good),
        Err(Error::Persist(PersistError::WrongShape {
            what: "D (features)",
            expected: 3,
            found: 2
        }))
    );
}

#[test]
fn errors_read_well() {
    let e = Error::Persist(PersistError::WrongShape {
        what: "width 1",
        expected: 4,
        found: 5,
    });
    assert_eq!(
        e.to_string(),
        "wrong shape: width 1 is 4 in the model's type, 5 in the bytes"
    );
    let e = Error::Persist(PersistError::Crc {
        stored: 1,
        computed: 2,
    });
    assert!(e.to_string().contains("corrupt"));
    let mut c = Crc32::new();
    c.update(b"1234");
    c.update(b"56789");
    assert_eq!(c.finish(), 0xCBF4_3926);
}
