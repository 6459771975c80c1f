//! Nothing lost: flash checkpoints through `storage::Slots` under power cuts, wear and faults
//! (`slots`), loads that apply exactly the bytes they checked (`disturb`), and a standardiser
//! and thresholds that recover from any accepted value (`recovery`).

#[path = "../common/mod.rs"]
mod common;
mod disturb;
mod recovery;
mod slots;
