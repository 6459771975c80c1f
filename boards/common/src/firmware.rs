//! What the sensor firmware shares (`nrf52840-dk-embassy`, `rpi-pico-embassy`, the RTIC and
//! the embedded-hal firmware): one verdict logged with `defmt`, and the detector restored
//! from and saved to flash through `gln::storage::Slots`; with the `embassy` feature, the
//! embassy firmware's sampling and checkpoint loops ([`embassy`]).

#[cfg(feature = "embassy")]
pub mod embassy;

use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
use gln::detector::{Detector, Verdict};
use gln::gaussian::GaussianNetwork;
use gln::storage::{Slots, StorageError};
use gln::{Error, Persist};

/// Logs one verdict: a flagged reading as a warning (reason, channel, value, expected value
/// and spread, score), any other as info, a rejected reading with its error.
pub fn log_verdict<const CH: usize>(
    names: &[&str; CH],
    x: &[f32; CH],
    verdict: &Result<Verdict<CH>, Error>,
) {
    let v = match verdict {
        Ok(v) => v,
        Err(e) => return defmt::warn!("reading {} rejected: {}", x, e),
    };
    let c = v.channel.min(CH - 1);
    let e = v.expected[c];
    match v.reason {
        Some(reason) => defmt::warn!(
            "ANOMALY {=str} on {=str}: {} (expected {} +- {}), score {}",
            reason.name(),
            names[c],
            x[c],
            e.mean,
            e.std(),
            v.score
        ),
        None => defmt::info!(
            "{=str} {} (expected {} +- {}), score {}{=str}",
            names[c],
            x[c],
            e.mean,
            e.std(),
            v.score,
            if v.warming_up { " (warming up)" } else { "" }
        ),
    }
}

/// Restores `det` from the newest checkpoint in `slots`, staged in `scratch` (a second
/// `static` of the same type, so that loading puts no copy of the detector on the stack; it
/// may hold any state and is overwritten); logs what happened: the checkpoint, its format
/// version, any newer one passed over, and the restored reading count and fingerprint. `det`
/// is unchanged unless a checkpoint was restored (then `true`).
pub fn restore<F, M, const CH: usize, const W: usize, const D: usize, const B: usize>(
    slots: &Slots,
    flash: &mut F,
    det: &mut Detector<CH, W, D, B, M>,
    scratch: &mut Detector<CH, W, D, B, M>,
) -> bool
where
    F: ReadNorFlash,
    F::Error: defmt::Format,
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    match slots.load_report_staged(flash, det, scratch) {
        Ok(r) => {
            defmt::info!(
                "restored checkpoint {=u32} (format version {=u16}, {=u8} newer passed over): {=u64} readings learned, fingerprint {=u64:016x}",
                r.loaded.sequence,
                r.version,
                r.skipped,
                det.readings(),
                det.fingerprint()
            );
            true
        }
        Err(StorageError::NoCheckpoint) => {
            defmt::info!("no checkpoint in flash: a fresh detector");
            false
        }
        Err(e) => {
            defmt::warn!("checkpoint not restored ({}): a fresh detector", e);
            false
        }
    }
}

/// Saves `value` as a new checkpoint in `slots`; logs what happened (on failure the previous
/// checkpoint is kept).
pub fn save<F, P>(slots: &Slots, flash: &mut F, value: &P) -> bool
where
    F: NorFlash,
    F::Error: defmt::Format,
    P: Persist,
{
    match slots.save(flash, value) {
        Ok(seq) => {
            defmt::info!("checkpoint {=u32} saved", seq);
            true
        }
        Err(e) => {
            defmt::warn!("checkpoint failed ({}); the previous one is kept", e);
            false
        }
    }
}
