//! Integer GLN on a Cortex-M4F: the integer parity scenario, then the work per step of the
//! reference sensor shape: D = B = 16, layers [16, 16, 1], K = 4.
#![no_std]
#![no_main]
board_common::qbench_main!(16, gln::QGln3<16, 16, 16, 16, 4, 16>);
