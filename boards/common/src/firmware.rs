//! What the sensor firmware shares (`nrf52840-dk-embassy`, `rpi-pico-embassy`, the RTIC and
//! the embedded-hal firmware): one verdict logged with `defmt`, and the detector restored
//! from and saved to flash through `gln::storage::Slots`.

use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
use gln::detector::Verdict;
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

/// Restores `value` from the newest checkpoint in `slots`; logs what happened. `value` is
/// unchanged unless a checkpoint was restored (then `true`).
pub fn restore<F, P>(slots: &Slots, flash: &mut F, value: &mut P) -> bool
where
    F: ReadNorFlash,
    F::Error: defmt::Format,
    P: Persist,
{
    match slots.load(flash, value) {
        Ok(seq) => {
            defmt::info!("restored checkpoint {=u32}", seq);
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
