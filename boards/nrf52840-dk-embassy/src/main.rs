//! nRF52840 with embassy: the on-chip temperature sensor (`embassy_nrf::temp`) read every
//! [`PERIOD`] by an `embassy_time::Ticker`, fed to a streaming anomaly detector that sits in a
//! `static` (built at compile time, `static_cell`); every verdict is logged with defmt
//! (reason, channel, value, what was expected). A checkpoint task saves the detector to the
//! chip's flash every [`CHECKPOINT`] through `gln::storage::Slots` (two regions, so a power
//! cut during a save loses at most that save), and the detector is restored from the newest
//! checkpoint at boot, staged in a second `static` (no copy of the detector on the stack).
//! The two tasks' loops are `board_common::firmware::embassy`'s, shared with the RP2040.
//!
//! `cargo run --release` with an nRF52840 DK on its debug probe (`probe-rs run --chip
//! nRF52840_xxAA`); CI only builds it.
#![no_std]
#![no_main]

use board_common::firmware::embassy::{
    checkpoint_every, sample_every, Firmware, Shared, Temperature, CHECKPOINT, FRESH, PERIOD,
};
use embassy_executor::Spawner;
use embassy_nrf::bind_interrupts;
use embassy_nrf::nvmc::Nvmc;
use embassy_nrf::temp::{self, Temp};
use gln::storage::Slots;
use {defmt_rtt as _, panic_probe as _};

bind_interrupts!(struct Irqs {
    TEMP => temp::InterruptHandler;
});

/// One channel (the die temperature), the reference sensor model.
type Det = Temperature;
type SharedDet = Shared<Det>;

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

/// The detector and its boot staging copy, in `static`s (never on the stack).
static FIRMWARE: Firmware<Det> = Firmware::new(FRESH, FRESH);

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_nrf::init(Default::default());
    let mut flash = Nvmc::new(p.NVMC);
    let shared = FIRMWARE.boot(&SLOTS, &mut flash);
    let sensor = Temp::new(p.TEMP, Irqs);
    spawner.spawn(defmt::unwrap!(checkpoint(shared, flash)));
    spawner.spawn(defmt::unwrap!(sample(shared, sensor)));
}

/// Reads the sensor every [`PERIOD`] and logs the detector's verdict.
#[embassy_executor::task]
async fn sample(shared: &'static SharedDet, mut sensor: Temp<'static>) {
    let names = ["temperature"];
    sample_every(shared, &names, PERIOD, async || {
        Some([sensor.read().await.to_num::<f32>()])
    })
    .await
}

/// Saves the detector every [`CHECKPOINT`].
#[embassy_executor::task]
async fn checkpoint(shared: &'static SharedDet, mut flash: Nvmc<'static>) {
    checkpoint_every(shared, &SLOTS, &mut flash, CHECKPOINT).await
}
