//! Integer GLN on a Cortex-M7: the integer parity scenario (`gln::selftest::quant`), then the
//! work per step of the tiny shape (layers [8, 1], K = 2). Named apart from `mps2-an386`'s
//! `qbench-tiny`, which would build to the same path of the shared target directory.
#![no_std]
#![no_main]
board_common::qbench_main!(8, gln::QGln2<8, 8, 8, 2, 4>);
