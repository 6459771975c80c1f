//! 64 `learn` steps of the reference shape and nothing else, for an instruction profile:
//! `boards/tools/qemu-profile.sh` runs it with QEMU's execution log and attributes every
//! executed instruction to a function of the crate.
#![no_std]
#![no_main]

use board_common::static_cell::ConstStaticCell;
use gln::{Config, Gln3, Input, Standardizer};

/// Steps profiled (the profile divides by this).
const STEPS: u32 = 64;

#[cortex_m_rt::entry]
fn main() -> ! {
    type Model = Gln3<16, 16, 16, 16, 4, 16>;
    static MODEL: ConstStaticCell<Model> = ConstStaticCell::new(Model::new(7, Config::DEFAULT));
    let model = MODEL.take();
    let mut stream = gln::selftest::Stream::<16>::new(1);
    let mut scale = Standardizer::<16>::new(0.1);
    for _ in 0..STEPS {
        let s = stream.next_sample();
        if let Ok(z) = scale.update_transform(&s.raw) {
            if let Ok(x) = Input::from_side(&z) {
                core::hint::black_box(model.learn(&x, s.label));
            }
        }
    }
    board_common::emulated::exit(true)
}
