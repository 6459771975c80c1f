//! Work per step of the tiny shape on a soft-float Cortex-M0: layers [8, 1], K = 2.
#![no_std]
#![no_main]
board_common::bench_main!(8, gln::Gln2<8, 8, 8, 2, 4>);
