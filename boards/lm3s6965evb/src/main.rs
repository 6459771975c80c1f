//! Cortex-M3 (QEMU `lm3s6965evb`): the parity scenario, then the work per step of its shape.
#![no_std]
#![no_main]
board_common::emulated_main!("Cortex-M3");
