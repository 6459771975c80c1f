//! Cortex-M7 (QEMU `mps2-an500`): the parity scenario, then the work per step of its shape.
#![no_std]
#![no_main]
board_common::emulated_main!("Cortex-M7");
