//! `micromath` integration: three-axis readings (accelerometer, gyroscope, magnetometer)
//! as [`micromath::vector::F32x3`].

use super::{Detector, Verdict};
use crate::error::Error;
use crate::gaussian::GaussianNetwork;
use micromath::vector::F32x3;

impl<const W: usize, const D: usize, const B: usize, M> Detector<3, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1>,
{
    /// [`Detector::update`] with a three-axis reading: channels 0, 1, 2 are `x`, `y`, `z`.
    ///
    /// # Errors
    /// As [`Detector::update`] (the channel index names the axis).
    pub fn update_vector(&mut self, v: F32x3) -> Result<Verdict<3>, Error> {
        self.update(&[v.x, v.y, v.z])
    }
}

#[cfg(test)]
mod tests {
    use crate::detector::{Detector, DetectorConfig, SmallSensorModel};
    use crate::error::Error;
    use micromath::vector::F32x3;

    #[test]
    fn a_vector_is_three_channels() {
        type Imu = Detector<3, 8, 8, 8, SmallSensorModel>;
        let mut a = Imu::with_seed(2, DetectorConfig::DEFAULT);
        let mut b = a.clone();
        for t in 0..50 {
            let v = F32x3 {
                x: 0.01 * t as f32,
                y: -0.02,
                z: 9.81,
            };
            assert_eq!(
                a.update_vector(v).unwrap(),
                b.update(&[v.x, v.y, v.z]).unwrap()
            );
        }
        let bad = F32x3 {
            x: 0.0,
            y: f32::NAN,
            z: 9.81,
        };
        assert_eq!(a.update_vector(bad), Err(Error::NonFinite { index: 1 }));
        assert_eq!(a.fingerprint(), b.fingerprint());
    }
}
