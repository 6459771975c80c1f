//! The monitor against a mocked I2C bus: the exact LM75 transfers, detection of a fault,
//! a failed transfer counted as a missing reading, and the sampling period.

use embedded_hal::i2c::ErrorKind;
use embedded_hal_mock::eh1::delay::{CheckedDelay, Transaction as Delay};
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use gln::detector::{DetectorConfig, Reason};
use gln_i2c_sensor::{Monitor, MonitorError};

const ADDR: u8 = 0x48;

/// The LM75 temperature register for `t` (a multiple of 0.5 °C): 9-bit two's complement.
fn register(t: f32) -> Vec<u8> {
    let v = (t * 2.0) as i16;
    vec![(v >> 1) as u8, ((v & 1) << 7) as u8]
}

/// A room at 21 °C with a slow cycle of ±1.5 °C (period 200 readings), as the sensor
/// reports it (0.5 °C steps).
fn room(i: u32) -> f32 {
    let t = 21.0 + 1.5 * (i as f32 * core::f32::consts::TAU / 200.0).sin();
    (t * 2.0).round() / 2.0
}

fn config() -> DetectorConfig {
    DetectorConfig::DEFAULT
        .with_warmup(400)
        .with_threshold_rate(1.0 / 200.0)
}

#[test]
fn register_encoding_matches_the_driver() {
    let temps = [25.0f32, 25.5, -0.5, -25.0, 0.0, 125.0];
    let expected: Vec<_> = temps
        .iter()
        .map(|&t| Transaction::write_read(ADDR, vec![0x00], register(t)))
        .collect();
    let mut i2c = Mock::new(&expected);
    let mut sensor = lm75::Lm75::new(i2c.clone(), ADDR);
    for &t in &temps {
        assert_eq!(sensor.read_temperature().unwrap(), t);
    }
    i2c.done();
}

#[test]
fn learns_the_room_then_flags_a_heater_fault() {
    let n = 1000;
    let mut temps: Vec<f32> = (0..n).map(room).collect();
    // A heater sticks on at reading 900: +0.5 °C a reading.
    for (k, t) in temps.iter_mut().enumerate().skip(900) {
        *t += 0.5 * (k - 899) as f32;
    }
    let expected: Vec<_> = temps
        .iter()
        .map(|&t| Transaction::write_read(ADDR, vec![0x00], register(t)))
        .collect();
    let mut i2c = Mock::new(&expected);
    let mut monitor = Monitor::new(i2c.clone(), ADDR, config());
    let mut first = None;
    let mut false_alarms = 0;
    for (i, &want) in temps.iter().enumerate() {
        let (t, v) = monitor.poll().unwrap();
        assert_eq!(t, want);
        if v.anomaly {
            if i >= 900 {
                first.get_or_insert((i, v.reason));
            } else {
                false_alarms += 1;
            }
        }
    }
    let (at, reason) = first.expect("the heater fault was not flagged");
    assert!(at < 910, "flagged at reading {at}");
    assert!(reason.is_some());
    assert!(false_alarms <= 5, "{false_alarms} false alarms");
    assert_eq!(monitor.detector().readings(), n as u64);
    i2c.done();
}

#[test]
fn a_failed_transfer_is_a_missing_reading_and_changes_no_weight() {
    let mut expected: Vec<_> = (0..50)
        .map(|i| Transaction::write_read(ADDR, vec![0x00], register(room(i))))
        .collect();
    expected
        .push(Transaction::write_read(ADDR, vec![0x00], vec![0, 0]).with_error(ErrorKind::Other));
    expected.push(Transaction::write_read(
        ADDR,
        vec![0x00],
        register(room(51)),
    ));
    let mut i2c = Mock::new(&expected);
    let mut monitor = Monitor::new(i2c.clone(), ADDR, config());
    for _ in 0..50 {
        monitor.poll().unwrap();
    }
    let model = monitor.detector().model(0).unwrap().fingerprint();
    let readings = monitor.detector().readings();
    assert_eq!(
        monitor.poll().unwrap_err(),
        MonitorError::Bus(ErrorKind::Other)
    );
    assert_eq!(monitor.detector().gaps(), 1);
    assert_eq!(monitor.detector().readings(), readings);
    assert_eq!(monitor.detector().model(0).unwrap().fingerprint(), model);
    // The next reading is scored normally.
    let (t, v) = monitor.poll().unwrap();
    assert_eq!(t, room(51));
    assert!(v.nll.is_finite());
    i2c.done();
}

#[test]
fn run_waits_the_period_between_readings() {
    let expected: Vec<_> = (0..5)
        .map(|i| Transaction::write_read(ADDR, vec![0x00], register(room(i))))
        .collect();
    let mut i2c = Mock::new(&expected);
    let mut delay = CheckedDelay::new(&vec![Delay::delay_ms(1000); 5]);
    let mut monitor = Monitor::new(i2c.clone(), ADDR, config());
    let mut seen = Vec::new();
    monitor.run(&mut delay, 1000, 5, |i, r| {
        let (t, v) = r.unwrap();
        assert!(v.warming_up && !v.anomaly && v.reason != Some(Reason::Surprise));
        seen.push((i, t));
    });
    assert_eq!(seen, (0..5).map(|i| (i, room(i))).collect::<Vec<_>>());
    // The bus comes back (a handle on the same mock, checked below).
    let _bus = monitor.release();
    i2c.done();
    delay.done();
}
