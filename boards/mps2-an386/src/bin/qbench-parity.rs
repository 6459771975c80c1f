//! Integer GLN on the Cortex-M4F: the integer parity scenario, then the work per step of the
//! parity shape (`gln::selftest::quant::Model`: layers [8, 4, 1], K = 2).
#![no_std]
#![no_main]
board_common::qbench_main!(16, gln::QGln3<16, 16, 8, 4, 2, 4>);
