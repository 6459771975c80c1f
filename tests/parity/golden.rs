//! Saved bytes pinned down: if the layout, the meaning of a field or the way hyperplanes are
//! drawn from a seed changes, these tests fail, and that kind's layout version must be bumped
//! (`docs/format.md`, "Versions"), its previous version still read
//! (`tests/persist_migration.rs`).
//!
//! The bytes are the same on every target; the board parity tests can compare the same
//! constants.

use gln::{Config, Gln1, Gln2, Input, LearningRate, Persist, Standardizer, WeightInit};

type Tiny = Gln1<2, 2, 1, 2>;

/// The configuration of the pinned models, spelled out so that a change of
/// `Config::DEFAULT` does not move the bytes.
const PINNED: Config = Config::DEFAULT
    .with_eps(0.01)
    .with_beta(5.0)
    .with_learning_rate(LearningRate::constant(0.01))
    .with_init(WeightInit::Average)
    .with_offset_std(0.05);

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

// ---------------------------------------------------------------------------------------
// Gaussian GLN (kind 3) and detector (kind 4)

use gln::detector::{Detector, DetectorConfig};
use gln::gaussian::{GaussianConfig, GaussianGln1, GaussianGln2, GaussianInput};
use gln::{Schedule, StepScale};

/// The Gaussian configuration of the pinned models, every field spelled out (a field added
/// later takes its `DEFAULT`).
const PINNED_GAUSSIAN: GaussianConfig = GaussianConfig::DEFAULT
    .with_variance_bounds(0.01, 100.0)
    .with_beta(50.0)
    .with_mean_bound(100.0)
    .with_learning_rate(LearningRate {
        schedule: Schedule::InverseTime { c: 2.0, max: 0.1 },
        floor: 0.01,
        scale: StepScale::None,
    })
    .with_normalized(true)
    .with_offset_std(0.05);

/// The detector configuration of the pinned detector, every field spelled out (a field added
/// later takes its `DEFAULT`).
const PINNED_DETECTOR: DetectorConfig = DetectorConfig::DEFAULT
    .with_warmup(20)
    .with_smoothing(0.1)
    .with_threshold_k(8.0)
    .with_sustained_k(5.0)
    .with_threshold_rate(0.01)
    .with_stats_horizon(500.0)
    .with_error_horizon(50.0)
    .with_cross_horizon(200.0)
    .with_learn_clip(4.0)
    .with_std_floor(1e-4)
    .with_calibration(100.0)
    .with_level_weight(0.5)
    .with_two_sided(true);

type TinyGaussian = GaussianGln2<2, 2, 2, 1, 2>;
type TinyDetector = Detector<1, 4, 2, 2, GaussianGln1<2, 2, 1, 2>>;

fn tiny_gaussian() -> TinyGaussian {
    let mut m = TinyGaussian::new(77, PINNED_GAUSSIAN);
    for t in 0..30u32 {
        let z = [t as f32 * 0.2 - 3.0, 1.0 - t as f32 * 0.1];
        let y = 0.5 * z[0] - z[1];
        m.learn(&GaussianInput::from_side(&z, 1.0).unwrap(), y)
            .unwrap();
    }
    m
}

fn tiny_detector() -> TinyDetector {
    let models = [GaussianGln1::new(5, PINNED_GAUSSIAN)];
    let mut d = TinyDetector::new(models, PINNED_DETECTOR);
    for t in 0..60u32 {
        let x = 10.0 + (t % 7) as f32 * 0.5 - (t % 3) as f32 * 0.25;
        if t % 13 == 4 {
            d.missing();
        } else {
            d.update(&[if t == 50 { 30.0 } else { x }]).unwrap();
        }
    }
    d
}

/// `tiny_gaussian()` saved with format version 1.
const TINY_GAUSSIAN_V1: &str = concat!(
    "474c4e6d01000300040100000000000002000000020000000200000001000000020000000100000002000000",
    "01000000000000000000000000000000000000004d000000000000001e000000000000000ad7233c0000c842",
    "000048420000c8420100000000000040cdcccc3d000000000ad7233c0000807f01000000cdcc4c3d5d3c49b6",
    "f26f279f6b8fc03eec4a173e5f39813ef7a0563e30cf2a3ef275953e569108bd044312bdfc99053e5ee2973e",
    "ade09d3e3ebc19bd7ef04ebdae4f113ebf2dab3eb543b83e826d083e80ff803eb6b13f3ed8c8fa3dfc9f513e",
    "fc9f513ee1b1843e0dd0153e57f1083d4e6f403e55b7463e50042abe4f7fb63dd041b03e78bfe8d4",
);
/// Its fingerprint.
const TINY_GAUSSIAN_FINGERPRINT: u64 = 0xf0b5_c928_0a1e_9909;
/// `tiny_detector()` saved in the detector's current layout, version 2 (the frozen
/// version 1 bytes, which must keep loading, are in `tests/persist_migration.rs`).
const TINY_DETECTOR_V2: &str = concat!(
    "474c4e6d02000400780200000000000001000000040000000200000002000000010000000100000002000000",
    "010000000100000000000000000000000000000014000000cdcccc3d000000410000a0400ad7233c0000fa43",
    "00004842000048430000804017b7d1380000c8420000003f0100000037000000000000000000000000000000",
    "05000000000000000000000000000000190000000000000022f3223d4d5d2d3e080000000400000000004c41",
    "0000284100002c4100003041600210bc0423ee41360000005a089b3f02caef413600000037000000d5853541",
    "4310ac3f7340314175a73b41fc6d42412c1d4041fbb03841fb253041686429419f162541d37f28beb1121240",
    "06f33240e7882640fddce93f379ebd3f635e414041a03d40e35100409fe6fd3f29701740194c31400f706740",
    "6bd2fd4052a48c400f1dc040dffc9a40925544403600000000000000000000000000000000000000301dc440",
    "e724ce403e28d640a90511412b002e41bf797a4119e147bf32184f3f066e0f4139a941bffe77fc3e23efc240",
    "1c8614bf4d14c140360000003867153e69afc34036000000c596c23ec1e26c4036000000b6bb2d3f904f6a40",
    "36000000c596c2bec1e26c403600000072ec9cbde47d6f403600000069787d3e21ad884036000000923bec3e",
    "08458840360000003c8f0dbf1dfdec40360000000e4f8e3d71a7ee4036000000050000000000000036000000",
    "000000000ad7233c0000c842000048420000c8420100000000000040cdcccc3d000000000ad7233c0000807f",
    "01000000cdcc4c3dad9f6e51a39f0d1f843e213e683d453e5c02a93de556193ea32c5e3eb581433eb137353e",
    "66f83b3d94c8a03df194e33d97526d68",
);
/// Its fingerprint.
const TINY_DETECTOR_FINGERPRINT: u64 = 0xdbd2_715f_7c83_5f52;

#[test]
fn gaussian_and_detector_bytes_are_pinned() {
    let m = tiny_gaussian();
    let mut b = [0u8; TinyGaussian::SAVED_BYTES];
    m.save(&mut b).unwrap();
    println!("gaussian\n{}\n{:#018x}", hex(&b), m.fingerprint());
    let d = tiny_detector();
    let mut c = [0u8; TinyDetector::SAVED_BYTES];
    d.save(&mut c).unwrap();
    println!("detector\n{}\n{:#018x}", hex(&c), d.fingerprint());
    assert_eq!(hex(&b), TINY_GAUSSIAN_V1);
    assert_eq!(m.fingerprint(), TINY_GAUSSIAN_FINGERPRINT);
    assert_eq!(hex(&c), TINY_DETECTOR_V2);
    assert_eq!(d.fingerprint(), TINY_DETECTOR_FINGERPRINT);
}

#[test]
fn pinned_gaussian_and_detector_bytes_still_load() {
    let m = TinyGaussian::from_bytes(&unhex(TINY_GAUSSIAN_V1)).unwrap();
    assert_eq!(m.fingerprint(), TINY_GAUSSIAN_FINGERPRINT);
    assert_eq!((m.steps(), m.config()), (30, &PINNED_GAUSSIAN));
    let mut d = TinyDetector::from_bytes(&unhex(TINY_DETECTOR_V2)).unwrap();
    assert_eq!(d.fingerprint(), TINY_DETECTOR_FINGERPRINT);
    assert_eq!(
        (d.readings(), d.gaps(), d.config()),
        (55, 5, &PINNED_DETECTOR)
    );
    // And it continues as the detector that saved it.
    let mut live = tiny_detector();
    for x in [10.0f32, 10.5, 11.0, 25.0, 10.0] {
        assert_eq!(d.update(&[x]).unwrap(), live.update(&[x]).unwrap());
    }
}

// ---------------------------------------------------------------------------------------
// Integer GLN (kind 5) and standardiser (kind 2): saved bytes pinned as version 1, which
// must keep loading, with the same predictions.

use gln::quant::{QGln2, QInput};

type TinyQ = QGln2<2, 2, 2, 1, 2>;

fn tiny_quant() -> TinyQ {
    let mut m = TinyQ::new(31, PINNED);
    for t in 0..40i16 {
        let x = QInput::from_side(&[t * 40 - 800, 600 - t * 30]);
        m.learn(&x, t % 3 == 0);
    }
    m
}

fn tiny_standardizer() -> Standardizer<2> {
    let mut s = Standardizer::<2>::new(0.5);
    for t in 0..25u32 {
        s.update(&[t as f32 * 0.5, 30.0 - (t * t) as f32 * 0.1])
            .unwrap();
    }
    s
}

/// `tiny_quant()` saved in version 1.
const TINY_QUANT_V1: &str = concat!(
    "474c4e6d01000500cc0000000000000002000000020000000200000001000000020000000100000002000000",
    "01000000000000000000000000000000000000001f0000000000000028000000000000000ad7233c0000a040",
    "000000000ad7233c0000000000000000000000000000807f01000000cdcc4c3d069159035db0cfdf0000b33e",
    "0040a43e0020923e00a0a23e0000b13e0080953e00e0b13e0000a53e00009c3e0000a43e0080af3e00c08a3e",
    "0000993e00e0993e0000693e00a0aa3e00a0aa3e00a0aa3ee832d296",
);
/// `tiny_standardizer()` saved in version 1.
const TINY_STANDARDIZER_V1: &str = concat!(
    "474c4e6d01000200600000000000000002000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000019000000000000000000003f0000c040686626410080a243",
    "9cd1fa4522ed9ebd",
);

#[test]
fn integer_and_standardizer_bytes_are_pinned_and_load_with_the_same_predictions() {
    let (q, s) = (tiny_quant(), tiny_standardizer());
    let mut bq = [0u8; TinyQ::SAVED_BYTES];
    q.save(&mut bq).unwrap();
    let mut bs = [0u8; <Standardizer<2>>::SAVED_BYTES];
    s.save(&mut bs).unwrap();
    println!("quant\n{}\nstandardizer\n{}", hex(&bq), hex(&bs));
    assert_eq!(hex(&bq), TINY_QUANT_V1);
    assert_eq!(hex(&bs), TINY_STANDARDIZER_V1);
    let q1 = TinyQ::from_bytes(&unhex(TINY_QUANT_V1)).unwrap();
    assert_eq!(q1, q);
    for t in 0..20i16 {
        let x = QInput::from_side(&[t * 97 - 900, 450 - t * 41]);
        assert_eq!(q1.predict(&x), q.predict(&x));
    }
    let s1 = <Standardizer<2>>::from_bytes(&unhex(TINY_STANDARDIZER_V1)).unwrap();
    for t in 0..20u32 {
        let raw = [t as f32 * 1.7 - 3.0, 25.0 - t as f32];
        assert_eq!(
            s1.transform(&raw).map(|z| z.map(f32::to_bits)),
            s.transform(&raw).map(|z| z.map(f32::to_bits))
        );
    }
}
