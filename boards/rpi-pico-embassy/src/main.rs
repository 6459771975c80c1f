//! RP2040 with embassy: the internal temperature sensor (ADC channel 4) read every [`PERIOD`]
//! by an `embassy_time::Ticker`, fed to a streaming anomaly detector that sits in a `static`
//! (built at compile time, `static_cell`); every verdict is logged with defmt. A checkpoint
//! task saves the detector to the QSPI flash every [`CHECKPOINT`] through
//! `gln::storage::Slots`, and the detector is restored from the newest checkpoint at boot.
//!
//! `cargo run --release` with a Raspberry Pi Pico on a debug probe (`probe-rs run --chip
//! RP2040`); CI only builds it.
#![no_std]
#![no_main]

use board_common::firmware::{log_verdict, restore, save};
use embassy_executor::Spawner;
use embassy_rp::adc::{self, Adc, Async, Channel};
use embassy_rp::bind_interrupts;
use embassy_rp::flash::{Blocking, Flash};
use embassy_rp::peripherals::FLASH;
use embassy_sync::blocking_mutex::raw::ThreadModeRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::{Duration, Ticker};
use gln::detector::{Detector, DetectorConfig, SensorModel, SENSOR_MODEL_CONFIG};
use gln::storage::Slots;
use static_cell::{ConstStaticCell, StaticCell};
use {defmt_rtt as _, panic_probe as _};

bind_interrupts!(struct Irqs {
    ADC_IRQ_FIFO => adc::InterruptHandler;
});

/// One channel (the die temperature), the reference sensor model.
type Det = Detector<1, 16, 16, 16, SensorModel>;
type Shared = Mutex<ThreadModeRawMutex, &'static mut Det>;
/// The Pico's 2 MiB flash, blocking (each write runs from RAM with interrupts off).
type Nor = Flash<'static, FLASH, Blocking, { 2 * 1024 * 1024 }>;

/// Time between two readings.
const PERIOD: Duration = Duration::from_secs(10);
/// Time between two checkpoints.
const CHECKPOINT: Duration = Duration::from_secs(3600);

/// Start of the two checkpoint regions (an offset in the flash): its last 256 KiB, kept out
/// of the program by `memory.x`.
const CHECKPOINT_BASE: u32 = 0x1C_0000;
/// Bytes of one region: the smallest whole number of 4 KiB sectors that holds the detector.
const REGION: usize = Slots::region_bytes_for::<Nor, Det>();
const _: () = assert!(
    2 * REGION <= 0x4_0000,
    "the checkpoints must fit in 256 KiB"
);
const SLOTS: Slots = Slots::new(CHECKPOINT_BASE, REGION as u32);

/// The detector, built at compile time (never on the stack).
static DETECTOR: ConstStaticCell<Det> = ConstStaticCell::new(Det::new(
    [SensorModel::new(1, SENSOR_MODEL_CONFIG)],
    DetectorConfig::DEFAULT,
));
/// Shared by the sampling task and the checkpoint task.
static SHARED: StaticCell<Shared> = StaticCell::new();

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_rp::init(Default::default());
    let mut flash = Nor::new_blocking(p.FLASH);
    let det = DETECTOR.take();
    if restore(&SLOTS, &mut flash, det) {
        defmt::info!(
            "{=u64} readings learned, fingerprint {=u64:016x}",
            det.readings(),
            det.fingerprint()
        );
    }
    let shared = SHARED.init(Mutex::new(det));
    let adc = Adc::new(p.ADC, Irqs, adc::Config::default());
    let sensor = Channel::new_temp_sensor(p.ADC_TEMP_SENSOR);
    spawner.spawn(defmt::unwrap!(checkpoint(shared, flash)));
    spawner.spawn(defmt::unwrap!(sample(shared, adc, sensor)));
}

/// The RP2040 datasheet's conversion (section 4.9.5): 0.706 V at 27 °C, −1.721 mV per °C,
/// a 12-bit reading of a 3.3 V reference.
fn celsius(raw: u16) -> f32 {
    let volts = f32::from(raw) * 3.3 / 4096.0;
    27.0 - (volts - 0.706) / 0.001_721
}

/// Reads the sensor every [`PERIOD`] and logs the detector's verdict.
#[embassy_executor::task]
async fn sample(
    shared: &'static Shared,
    mut adc: Adc<'static, Async>,
    mut sensor: Channel<'static>,
) {
    let mut ticker = Ticker::every(PERIOD);
    loop {
        ticker.next().await;
        let mut det = shared.lock().await;
        match adc.read(&mut sensor).await {
            Ok(raw) => {
                let x = [celsius(raw)];
                log_verdict(&["temperature"], &x, &det.update(&x));
            }
            Err(e) => {
                // A failed conversion is a dropped sample.
                defmt::warn!("ADC conversion failed ({}): a dropped sample", e);
                det.missing();
            }
        }
    }
}

/// Saves the detector every [`CHECKPOINT`].
#[embassy_executor::task]
async fn checkpoint(shared: &'static Shared, mut flash: Nor) {
    let mut ticker = Ticker::every(CHECKPOINT);
    loop {
        ticker.next().await;
        let det = shared.lock().await;
        if save(&SLOTS, &mut flash, &**det) {
            defmt::info!(
                "{=u64} readings, fingerprint {=u64:016x}",
                det.readings(),
                det.fingerprint()
            );
        }
    }
}
