//! Work per step of a larger shape: D = B = 32, layers [32, 32, 1], K = 4.
#![no_std]
#![no_main]
board_common::bench_main!(32, gln::Gln3<32, 32, 32, 32, 4, 16>);
