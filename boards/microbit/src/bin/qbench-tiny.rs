//! Integer GLN on a Cortex-M0: the integer parity scenario, then the work per step of the
//! tiny shape (layers [8, 1], K = 2).
#![no_std]
#![no_main]
board_common::qbench_main!(8, gln::QGln2<8, 8, 8, 2, 4>);
