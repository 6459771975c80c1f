//! BBC micro:bit v2 (nRF52833): the on-board LSM303AGR read over I2C at 50 Hz through its
//! embedded-hal 1.0 driver (`lsm303agr`), with two streaming anomaly detectors in `static`s
//! (built at compile time):
//! - the accelerometer, turned into two channels with `micromath` vectors (`F32x3`): the
//!   acceleration's magnitude (g) and its jerk (the length of the change between two
//!   readings, g/s). A knock, a drop, a vibration that was not there while the detector
//!   learned what normal looks like show up as anomalies;
//! - the magnetometer's three axes (µT), fed as one `F32x3` with gln's `micromath` feature
//!   (`Detector::update_vector`, channels x, y, z). A magnet or a motor brought near, or the
//!   board turned from where it sat, show up as anomalies.
//!
//! Flagged readings are logged with defmt as they happen, and one verdict of each detector
//! every [`STATUS_EVERY`] readings; both learn for the first [`WARMUP`] readings (a minute).
//!
//! `cargo run --release` with the micro:bit on USB (`probe-rs run --chip nRF52833_xxAA`); CI
//! only builds it.
#![no_std]
#![no_main]

use board_common::firmware::log_verdict;
use embedded_hal::delay::DelayNs;
use gln::detector::{Detector, DetectorConfig, SmallSensorModel, SENSOR_MODEL_CONFIG};
use lsm303agr::{AccelMode, AccelOutputDataRate, Lsm303agr, MagMode, MagOutputDataRate};
use micromath::vector::{F32x3, Vector};
use nrf52833_hal::gpio::p0;
use nrf52833_hal::{pac, twim, Timer, Twim};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

/// Two channels (magnitude, jerk), the small model: about 5 KiB.
type Det = Detector<2, 8, 8, 8, SmallSensorModel>;
/// The magnetic field's three axes, the small model.
type FieldDet = Detector<3, 8, 8, 8, SmallSensorModel>;

/// Readings per second (the accelerometer's output data rate).
const RATE_HZ: f32 = 50.0;
/// Readings learned before any flag: a minute.
const WARMUP: u32 = 3000;
/// A verdict is logged every this many readings even when nothing is flagged.
const STATUS_EVERY: u32 = 500;

/// The defaults, with a warm-up of a minute and thresholds that remember about a minute.
const CONFIG: DetectorConfig = DetectorConfig::DEFAULT
    .with_warmup(WARMUP)
    .with_threshold_rate(1.0 / WARMUP as f32);

static DETECTOR: ConstStaticCell<Det> = ConstStaticCell::new(Det::new(
    [
        SmallSensorModel::new(1, SENSOR_MODEL_CONFIG),
        SmallSensorModel::new(2, SENSOR_MODEL_CONFIG),
    ],
    CONFIG,
));

static FIELD: ConstStaticCell<FieldDet> = ConstStaticCell::new(FieldDet::new(
    [
        SmallSensorModel::new(3, SENSOR_MODEL_CONFIG),
        SmallSensorModel::new(4, SENSOR_MODEL_CONFIG),
        SmallSensorModel::new(5, SENSOR_MODEL_CONFIG),
    ],
    CONFIG,
));

/// Milli-g to a vector in g.
fn in_g((x, y, z): (i32, i32, i32)) -> F32x3 {
    F32x3 {
        x: x as f32 / 1000.0,
        y: y as f32 / 1000.0,
        z: z as f32 / 1000.0,
    }
}

/// Nanotesla to a vector in µT.
fn in_ut((x, y, z): (i32, i32, i32)) -> F32x3 {
    F32x3 {
        x: x as f32 / 1000.0,
        y: y as f32 / 1000.0,
        z: z as f32 / 1000.0,
    }
}

/// A vector's length: `micromath`'s dot product, then the library's exact square root
/// (`Vector::magnitude` takes `micromath`'s approximate one, about 5 % off), so a log of
/// these channels replays on the host with the same bits.
fn norm(v: F32x3) -> f32 {
    gln::math::sqrt(v.dot(v))
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let p = defmt::unwrap!(pac::Peripherals::take());
    let pins = p0::Parts::new(p.P0);
    // The micro:bit v2's internal I2C bus: SCL P0.08, SDA P0.16.
    let i2c_pins = twim::Pins {
        scl: pins.p0_08.into_floating_input().degrade(),
        sda: pins.p0_16.into_floating_input().degrade(),
    };
    let i2c = Twim::new(p.TWIM0, i2c_pins, twim::Frequency::K100);
    let mut delay = Timer::new(p.TIMER0);
    let mut imu = Lsm303agr::new_with_i2c(i2c);
    let setup = imu.init().and_then(|()| {
        imu.set_accel_mode_and_odr(&mut delay, AccelMode::Normal, AccelOutputDataRate::Hz50)
    });
    let setup = setup.and_then(|()| {
        imu.set_mag_mode_and_odr(&mut delay, MagMode::HighResolution, MagOutputDataRate::Hz50)
    });
    if let Err(e) = setup {
        defmt::panic!("LSM303AGR setup failed: {}", defmt::Debug2Format(&e));
    }
    let Ok(mut imu) = imu.into_mag_continuous() else {
        defmt::panic!("LSM303AGR: the magnetometer did not enter continuous mode");
    };
    let (det, field) = (DETECTOR.take(), FIELD.take());
    defmt::info!(
        "detectors {=usize} + {=usize} bytes; learning for {=u32} readings",
        core::mem::size_of::<Det>(),
        core::mem::size_of::<FieldDet>(),
        WARMUP
    );
    let mut last: Option<F32x3> = None;
    let mut t = 0u32;
    loop {
        match imu.accel_status() {
            Ok(s) if s.xyz_new_data() => {}
            Ok(_) => {
                delay.delay_ms(2);
                continue;
            }
            Err(_) => {
                // A failed bus transfer is a dropped sample.
                det.missing();
                delay.delay_ms(20);
                continue;
            }
        }
        let Ok(a) = imu.acceleration() else {
            det.missing();
            continue;
        };
        let a = in_g(a.xyz_mg());
        let jerk = last.map_or(0.0, |l| norm(a - l) * RATE_HZ);
        last = Some(a);
        let x = [norm(a), jerk];
        let v = det.update(&x);
        let status = t.is_multiple_of(STATUS_EVERY);
        if status || v.as_ref().is_ok_and(|v| v.anomaly) || v.is_err() {
            log_verdict(&["magnitude", "jerk"], &x, &v);
        }
        // The magnetometer runs at the same rate: a field reading per acceleration reading.
        match imu.mag_status() {
            Ok(s) if s.xyz_new_data() => match imu.magnetic_field() {
                Ok(b) => {
                    let b = in_ut(b.xyz_nt());
                    let v = field.update_vector(b);
                    if status || v.as_ref().is_ok_and(|v| v.anomaly) || v.is_err() {
                        log_verdict(&["field x", "field y", "field z"], &[b.x, b.y, b.z], &v);
                    }
                }
                Err(_) => field.missing(),
            },
            Ok(_) => {}
            Err(_) => field.missing(),
        }
        t = t.wrapping_add(1);
    }
}
