//! RP2040 with embassy: the internal temperature sensor (ADC channel 4) read every [`PERIOD`]
//! by an `embassy_time::Ticker`, fed to a streaming anomaly detector that sits in a `static`
//! (built at compile time, `static_cell`); every verdict is logged with defmt. A checkpoint
//! task saves the detector to the QSPI flash every [`CHECKPOINT`] through
//! `gln::storage::Slots`, and the detector is restored from the newest checkpoint at boot,
//! staged in a second `static` (no copy of the detector on the stack). The two tasks' loops
//! are `board_common::firmware::embassy`'s, shared with the nRF52840.
//!
//! `cargo run --release` with a Raspberry Pi Pico on a debug probe (`probe-rs run --chip
//! RP2040`); CI only builds it.
#![no_std]
#![no_main]

use board_common::firmware::embassy::{
    checkpoint_every, sample_every, Firmware, Shared, Temperature, CHECKPOINT, FRESH, PERIOD,
};
use embassy_executor::Spawner;
use embassy_rp::adc::{self, Adc, Async, Channel};
use embassy_rp::bind_interrupts;
use embassy_rp::flash::{Blocking, Flash};
use embassy_rp::peripherals::FLASH;
use gln::storage::Slots;
use {defmt_rtt as _, panic_probe as _};

bind_interrupts!(struct Irqs {
    ADC_IRQ_FIFO => adc::InterruptHandler;
});

/// One channel (the die temperature), the reference sensor model.
type Det = Temperature;
type SharedDet = Shared<Det>;
/// The Pico's 2 MiB flash, blocking (each write runs from RAM with interrupts off).
type Nor = Flash<'static, FLASH, Blocking, { 2 * 1024 * 1024 }>;

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

/// The detector and its boot staging copy, in `static`s (never on the stack).
static FIRMWARE: Firmware<Det> = Firmware::new(FRESH, FRESH);

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_rp::init(Default::default());
    let mut flash = Nor::new_blocking(p.FLASH);
    let shared = FIRMWARE.boot(&SLOTS, &mut flash);
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

/// Reads the sensor every [`PERIOD`] and logs the detector's verdict; a failed conversion is a
/// dropped sample.
#[embassy_executor::task]
async fn sample(
    shared: &'static SharedDet,
    mut adc: Adc<'static, Async>,
    mut sensor: Channel<'static>,
) {
    let names = ["temperature"];
    sample_every(shared, &names, PERIOD, async || {
        match adc.read(&mut sensor).await {
            Ok(raw) => Some([celsius(raw)]),
            Err(e) => {
                defmt::warn!("ADC conversion failed ({}): a dropped sample", e);
                None
            }
        }
    })
    .await
}

/// Saves the detector every [`CHECKPOINT`].
#[embassy_executor::task]
async fn checkpoint(shared: &'static SharedDet, mut flash: Nor) {
    checkpoint_every(shared, &SLOTS, &mut flash, CHECKPOINT).await
}
