//! The learning step on arbitrary data: any bit pattern as side information, base logits or
//! raw sensor values, any label. Never panics; every accepted step keeps the probabilities
//! in `[eps, 1 - eps]` and every weight finite and in its box; every rejected call changes
//! nothing; and the model still saves and loads back identically at the end.
//!
//! Layout of the input: byte 0 picks a configuration; then records of 18 bytes: four `f32`
//! (raw bits), a label byte and an operation byte.
#![no_main]

use gln::{
    Config, Gln3, Input, LearningRate, Persist, Schedule, Standardizer, StepScale, WeightInit,
};
use libfuzzer_sys::fuzz_target;

type M = Gln3<4, 4, 6, 3, 3, 8, 3>;

const SIDE_A: [f32; 4] = [0.25, -0.5, 1.0, 0.0];
const SIDE_B: [f32; 4] = [1.0, 0.5, -0.25, 2.0];

const CONFIGS: [Config; 5] = [
    Config::DEFAULT,
    Config::DEFAULT
        .with_eps(3e-8)
        .with_beta(Config::MAX_BETA)
        .with_learning_rate(LearningRate::constant(f32::MAX)),
    Config::DEFAULT
        .with_init(WeightInit::Zero)
        .with_beta(1e-3)
        .with_learning_rate(LearningRate::constant(1e3)),
    Config::DEFAULT.with_eps(0.49).with_offset_std(1e30),
    Config::DEFAULT.with_learning_rate(LearningRate {
        schedule: Schedule::Hyperbolic {
            a: 1.0,
            b: 1e-3,
            max: 0.5,
        },
        floor: 1e-4,
        scale: StepScale::HiddenFanIn { reference: 2.0 },
    }),
];

fn saved<P: Persist>(p: &P) -> Vec<u8> {
    let mut b = vec![0u8; P::SAVED_BYTES];
    p.save(&mut b).unwrap();
    b
}

fn check(m: &M, p: &[f32; 3]) {
    let (eps, beta) = (m.config().eps, m.config().beta);
    for &v in p {
        assert!(v >= eps && v <= 1.0 - eps, "probability {v}");
    }
    m.for_each_weight(|w| assert!(w.is_finite() && w.abs() <= beta, "weight {w}"));
}

fuzz_target!(|data: &[u8]| {
    let Some((&c, rest)) = data.split_first() else {
        return;
    };
    let config = CONFIGS[usize::from(c) % CONFIGS.len()];
    let mut m = M::new(u64::from(c), config);
    let mut scale = Standardizer::<4>::new(if c & 0x80 != 0 { 0.0 } else { 1e-3 });
    for rec in rest.chunks_exact(18) {
        let z: [f32; 4] = core::array::from_fn(|i| {
            f32::from_bits(u32::from_le_bytes([
                rec[4 * i],
                rec[4 * i + 1],
                rec[4 * i + 2],
                rec[4 * i + 3],
            ]))
        });
        let (label, op) = (usize::from(rec[16] % 5), rec[17]);
        let before = m.clone();
        // Raw bits as base probabilities (op bit 6), or clipped into [0, 1].
        let probs: [f32; 4] = if op & 0x40 != 0 {
            z
        } else {
            core::array::from_fn(|i| z[i].abs().min(1.0))
        };
        let side: Result<[f32; 4], gln::Error> = match op % 4 {
            0 => Input::<4, 4>::from_side(&z).map(|_| z),
            1 => {
                let s = scale;
                let r = scale.update_transform(&z);
                if r.is_err() {
                    assert_eq!(scale, s, "a rejected update changed the standardiser");
                }
                r
            }
            2 => Input::<4, 4>::from_logits(&SIDE_A, &z).map(|_| SIDE_A),
            _ => Input::<4, 4>::new(&SIDE_B, &probs).map(|_| SIDE_B),
        };
        let Ok(side) = side else {
            assert_eq!(m, before);
            continue;
        };
        let x = match op % 4 {
            2 => Input::from_logits(&side, &z),
            3 => Input::new(&side, &probs),
            _ => Input::from_side(&side),
        }
        .unwrap();
        let p = m.predict_all(&x);
        assert_eq!(m, before, "predict mutated the model");
        match m.learn_class(&x, label) {
            Ok(q) => {
                assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
                check(&m, &q);
            }
            Err(e) => {
                assert_eq!(e, gln::Error::LabelOutOfRange { label, classes: 3 });
                assert_eq!(m, before);
            }
        }
        if op & 0x80 != 0 {
            let t: [bool; 3] = core::array::from_fn(|i| op >> (i + 2) & 1 == 1);
            let q = m.learn_targets(&x, &t);
            check(&m, &q);
        }
    }
    let b = saved(&m);
    let mut back = M::new(0, Config::DEFAULT);
    back.load(&b).unwrap();
    assert_eq!(back.fingerprint(), m.fingerprint());
    assert_eq!(saved(&back), b);
});
