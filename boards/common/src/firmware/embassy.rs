//! The embassy firmware, written once: the detector's statics and its restore at boot
//! ([`Firmware`]), the sampling loop (a reading every period, its verdict logged) and the
//! checkpoint loop (the detector saved every period), sharing the detector through a mutex.
//! A board's `main` and `#[embassy_executor::task]` functions (which cannot be generic) only
//! set up its peripherals, read its sensor and call these.

use super::{log_verdict, restore, save};
use embassy_sync::blocking_mutex::raw::ThreadModeRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::{Duration, Ticker};
use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
use gln::detector::{Detector, DetectorConfig, SensorModel, SENSOR_MODEL_CONFIG};
use gln::gaussian::GaussianNetwork;
use gln::storage::Slots;
use gln::Persist;
use static_cell::{ConstStaticCell, StaticCell};

/// The detector, shared by the sampling and the checkpoint task.
pub type Shared<T> = Mutex<ThreadModeRawMutex, &'static mut T>;

/// The embassy firmware's detector: one channel (the die temperature), the reference sensor
/// model.
pub type Temperature = Detector<1, 16, 16, 16, SensorModel>;
/// A fresh one, built at compile time.
pub const FRESH: Temperature = Temperature::new(
    [SensorModel::new(1, SENSOR_MODEL_CONFIG)],
    DetectorConfig::DEFAULT,
);
/// Time between two readings.
pub const PERIOD: Duration = Duration::from_secs(10);
/// Time between two checkpoints.
pub const CHECKPOINT: Duration = Duration::from_secs(3600);

/// A firmware's detector and what goes with it, all in `static`s built at compile time: the
/// detector, the staging copy a checkpoint is restored into at boot (without it, the load
/// would stage a copy of the detector on the stack; unused after boot), and the mutex
/// sharing the detector between the tasks.
pub struct Firmware<T: 'static> {
    detector: ConstStaticCell<T>,
    scratch: ConstStaticCell<T>,
    shared: StaticCell<Shared<T>>,
}

impl<T> Firmware<T> {
    /// The detector and the staging copy (any state, e.g. the same fresh detector: the same
    /// `const` given twice).
    pub const fn new(detector: T, scratch: T) -> Self {
        Self {
            detector: ConstStaticCell::new(detector),
            scratch: ConstStaticCell::new(scratch),
            shared: StaticCell::new(),
        }
    }
}

impl<M, const CH: usize, const W: usize, const D: usize, const B: usize>
    Firmware<Detector<CH, W, D, B, M>>
where
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    /// At boot (once: a second call panics): restores the detector from the newest checkpoint
    /// in `slots` if there is one (see [`restore`]), and shares it.
    pub fn boot<F>(
        &'static self,
        slots: &Slots,
        flash: &mut F,
    ) -> &'static Shared<Detector<CH, W, D, B, M>>
    where
        F: ReadNorFlash,
        F::Error: defmt::Format,
    {
        let det = self.detector.take();
        restore(slots, flash, det, self.scratch.take());
        self.shared.init(Mutex::new(det))
    }
}

/// Every `period`: one reading from `read` (`None`: a dropped sample, which the board has
/// logged), fed to the detector, its verdict logged with the channel `names`.
pub async fn sample_every<M, const CH: usize, const W: usize, const D: usize, const B: usize>(
    shared: &Shared<Detector<CH, W, D, B, M>>,
    names: &[&str; CH],
    period: Duration,
    mut read: impl AsyncFnMut() -> Option<[f32; CH]>,
) -> !
where
    M: GaussianNetwork<D, B, 1>,
{
    let mut ticker = Ticker::every(period);
    loop {
        ticker.next().await;
        let x = read().await;
        let mut det = shared.lock().await;
        match x {
            Some(x) => log_verdict(names, &x, &det.update(&x)),
            None => det.missing(),
        }
    }
}

/// Every `period`: the detector saved as a new checkpoint in `slots` (see [`save`]), its
/// reading count and fingerprint logged.
pub async fn checkpoint_every<
    F,
    M,
    const CH: usize,
    const W: usize,
    const D: usize,
    const B: usize,
>(
    shared: &Shared<Detector<CH, W, D, B, M>>,
    slots: &Slots,
    flash: &mut F,
    period: Duration,
) -> !
where
    F: NorFlash,
    F::Error: defmt::Format,
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    let mut ticker = Ticker::every(period);
    loop {
        ticker.next().await;
        let det = shared.lock().await;
        if save(slots, flash, &**det) {
            defmt::info!(
                "{=u64} readings, fingerprint {=u64:016x}",
                det.readings(),
                det.fingerprint()
            );
        }
    }
}
