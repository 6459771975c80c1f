//! The simulated machine of the boards' detector example and of `examples/machine_log.rs`:
//! its rhythm, its noise seed and its six injected faults, written once. Uses `core` only:
//! `boards/common/src/detector.rs` includes this very file, so the board's stream in flash
//! and the host's recorded log are the same stream.

use gln::selftest::{Fault, FaultKind, TEMPERATURE, VIBRATION};

/// Readings per simulated day (one every two minutes).
pub const DAY: u32 = 720;

/// Seed of the machine's noise.
pub const SEED: u64 = 0x626f_6172_645f_6d31;

/// The injected faults: a spike, more vibration noise, a level shift, a stuck sensor, a
/// runaway, vibration without load.
pub const FAULTS: [Fault; 6] = [
    fault(FaultKind::Shift, TEMPERATURE, 2 * DAY + 200, 1, 5.0),
    fault(FaultKind::Noise, VIBRATION, 2 * DAY + 500, 120, 0.3),
    fault(FaultKind::Shift, TEMPERATURE, 3 * DAY + 100, 180, 2.0),
    fault(FaultKind::Stuck, TEMPERATURE, 3 * DAY + 500, 120, 0.0),
    fault(FaultKind::Drift, TEMPERATURE, 4 * DAY + 300, 150, 0.1),
    fault(FaultKind::Decouple, VIBRATION, 5 * DAY + 500, 60, 2.3),
];

const fn fault(kind: FaultKind, channel: usize, start: u32, len: u32, size: f32) -> Fault {
    Fault {
        kind,
        channel,
        start,
        len,
        size,
    }
}
