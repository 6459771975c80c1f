//! nRF52840 with embassy: the on-chip temperature sensor (`embassy_nrf::temp`) read every
//! [`PERIOD`] by an `embassy_time::Ticker`, fed to a streaming anomaly detector that sits in a
//! `static` (built at compile time, `static_cell`); every verdict is logged with defmt
//! (reason, channel, value, what was expected). A checkpoint task saves the detector to the
//! chip's flash every [`CHECKPOINT`] through `gln::storage::Slots` (two regions, so a power
//! cut during a save loses at most that save), and the detector is restored from the newest
//! checkpoint at boot.
//!
//! `cargo run --release` with an nRF52840 DK on its debug probe (`probe-rs run --chip
//! nRF52840_xxAA`); CI only builds it.
#![no_std]
#![no_main]

use board_common::firmware::{log_verdict, restore, save};
use embassy_executor::Spawner;
use embassy_nrf::bind_interrupts;
use embassy_nrf::nvmc::Nvmc;
use embassy_nrf::temp::{self, Temp};
use embassy_sync::blocking_mutex::raw::ThreadModeRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::{Duration, Ticker};
use gln::detector::{Detector, DetectorConfig, SensorModel, SENSOR_MODEL_CONFIG};
use gln::storage::Slots;
use static_cell::{ConstStaticCell, StaticCell};
use {defmt_rtt as _, panic_probe as _};

bind_interrupts!(struct Irqs {
    TEMP => temp::InterruptHandler;
});

/// One channel (the die temperature), the reference sensor model.
type Det = Detector<1, 16, 16, 16, SensorModel>;
type Shared = Mutex<ThreadModeRawMutex, &'static mut Det>;

/// Time between two readings.
const PERIOD: Duration = Duration::from_secs(10);
/// Time between two checkpoints.
const CHECKPOINT: Duration = Duration::from_secs(3600);

/// Start of the two checkpoint regions: the last 128 KiB of the 1 MiB flash, kept out of the
/// program by `memory.x`.
const CHECKPOINT_BASE: u32 = 0xE_0000;
/// Bytes of one region: the smallest whole number of 4 KiB pages that holds the detector.
const REGION: usize = Slots::region_bytes_for::<Nvmc<'static>, Det>();
const _: () = assert!(
    2 * REGION <= 0x2_0000,
    "the checkpoints must fit in 128 KiB"
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
    let p = embassy_nrf::init(Default::default());
    let mut flash = Nvmc::new(p.NVMC);
    let det = DETECTOR.take();
    if restore(&SLOTS, &mut flash, det) {
        defmt::info!(
            "{=u64} readings learned, fingerprint {=u64:016x}",
            det.readings(),
            det.fingerprint()
        );
    }
    let shared = SHARED.init(Mutex::new(det));
    let sensor = Temp::new(p.TEMP, Irqs);
    spawner.spawn(defmt::unwrap!(checkpoint(shared, flash)));
    spawner.spawn(defmt::unwrap!(sample(shared, sensor)));
}

/// Reads the sensor every [`PERIOD`] and logs the detector's verdict.
#[embassy_executor::task]
async fn sample(shared: &'static Shared, mut sensor: Temp<'static>) {
    let mut ticker = Ticker::every(PERIOD);
    loop {
        ticker.next().await;
        let x = [sensor.read().await.to_num::<f32>()];
        let mut det = shared.lock().await;
        log_verdict(&["temperature"], &x, &det.update(&x));
    }
}

/// Saves the detector every [`CHECKPOINT`].
#[embassy_executor::task]
async fn checkpoint(shared: &'static Shared, mut flash: Nvmc<'static>) {
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
