//! Work per step of the reference sensor shape: D = B = 16, layers [16, 16, 1], K = 4.
#![no_std]
#![no_main]
board_common::bench_main!(16, gln::Gln3<16, 16, 16, 16, 4, 16>);
