//! Integer GLN on a Cortex-M4F: the reference-like shape of the micro:bit's `qbench-reference`
//! (D = B = 16, layers [16, 16, 1], K = 2), for a like-for-like comparison with the M0.
#![no_std]
#![no_main]
board_common::qbench_main!(16, gln::QGln3<16, 16, 16, 16, 2, 4>);
