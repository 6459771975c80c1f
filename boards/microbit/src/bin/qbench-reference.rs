//! Integer GLN on a Cortex-M0: the integer parity scenario, then the work per step of a
//! reference-like shape that fits the micro:bit's 16 KiB of RAM: D = B = 16, layers
//! [16, 16, 1] as the reference, K = 2 (the reference's K = 4 needs 22 KiB).
#![no_std]
#![no_main]
board_common::qbench_main!(16, gln::QGln3<16, 16, 16, 16, 2, 4>);
