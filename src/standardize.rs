//! Online standardisation of features (Welford's algorithm), in fixed memory.

use crate::error::{Error, check_finite};
use crate::math::sqrt;

/// Running mean and variance of `D` features, and the map `z = (x − mean) / (std + offset)`.
///
/// GLN gating compares `v · z` with small offsets, so the side information must be centred
/// and scaled; this is how the authors do it online. Statistics are updated with Welford's
/// algorithm in `f32`. `offset` keeps a constant feature (std 0) from dividing by zero and sets
/// the scale below which variation is damped: the authors use 1 for pixels in `[0, 1]`; for a
/// sensor, use a value in the sensor's units below its meaningful resolution.
///
/// Every call that takes data checks it first: a rejected call changes no statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Standardizer<const D: usize> {
    count: u64,
    mean: [f32; D],
    m2: [f32; D],
    offset: f32,
}

impl<const D: usize> Standardizer<D> {
    /// No observations yet; `offset` is the constant added to the standard deviation.
    ///
    /// # Panics
    /// At compile time in a `const` context (at run time otherwise) if `offset` is negative,
    /// NaN or infinite.
    pub const fn new(offset: f32) -> Self {
        assert!(
            offset >= 0.0 && offset < f32::INFINITY,
            "offset must be finite and >= 0"
        );
        Self {
            count: 0,
            mean: [0.0; D],
            m2: [0.0; D],
            offset,
        }
    }

    /// Adds one observation to the statistics. Subnormal and huge-but-finite values are
    /// accepted as long as the statistics stay finite.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value; [`Error::Overflow`] if a value is so
    /// far from the mean that the statistics would overflow `f32`. Nothing changes then.
    pub fn update(&mut self, x: &[f32; D]) -> Result<(), Error> {
        check_finite(x)?;
        let (count, mean, m2) = self.updated(x)?;
        self.count = count;
        self.mean = mean;
        self.m2 = m2;
        Ok(())
    }

    /// The statistics after observing `x` (finite), or the first feature that overflows.
    /// Branch-free over the features so that it vectorises; checked afterwards.
    fn updated(&self, x: &[f32; D]) -> Result<(u64, [f32; D], [f32; D]), Error> {
        let count = self.count.saturating_add(1);
        let n = count as f32;
        let (mut mean, mut m2) = (self.mean, self.m2);
        for ((&xj, mj), sj) in x.iter().zip(&mut mean).zip(&mut m2) {
            let d = xj - *mj;
            *mj += d / n;
            *sj += d * (xj - *mj);
        }
        let bad = mean
            .iter()
            .zip(&m2)
            .position(|(m, s)| !(m.is_finite() && s.is_finite()));
        match bad {
            Some(index) => Err(Error::Overflow { index }),
            None => Ok((count, mean, m2)),
        }
    }

    /// `z = (x − mean) / (std + offset)` with the current statistics (population std; 0 before
    /// the first observation). Does not change the statistics. A value at the mean of a
    /// feature with no spread gets `z = 0`, even with offset 0.
    ///
    /// Subnormal and huge-but-finite values are accepted.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value; [`Error::Overflow`] if a `z` would be
    /// infinite (a huge value, or with offset 0 a value off the mean of a feature that has
    /// had no spread so far).
    pub fn transform(&self, x: &[f32; D]) -> Result<[f32; D], Error> {
        check_finite(x)?;
        transform(x, self.count, &self.mean, &self.m2, self.offset)
    }

    /// [`update`](Self::update) then [`transform`](Self::transform): the authors' order.
    ///
    /// # Errors
    /// As `update` and `transform`; nothing changes on error.
    pub fn update_transform(&mut self, x: &[f32; D]) -> Result<[f32; D], Error> {
        check_finite(x)?;
        let (count, mean, m2) = self.updated(x)?;
        let z = transform(x, count, &mean, &m2, self.offset)?;
        self.count = count;
        self.mean = mean;
        self.m2 = m2;
        Ok(z)
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Running means.
    pub fn mean(&self) -> &[f32; D] {
        &self.mean
    }

    /// Population standard deviation of feature `j` (0 before two observations, or out of
    /// range).
    pub fn std_at(&self, j: usize) -> f32 {
        match (self.m2.get(j), self.count) {
            (Some(&m2), n) if n > 0 => sqrt(m2 / n as f32),
            _ => 0.0,
        }
    }

    /// The offset added to the standard deviation.
    pub fn offset(&self) -> f32 {
        self.offset
    }

    /// Sums of squared deviations (Welford's `M2`), for `crate::persist`.
    pub(crate) fn m2(&self) -> &[f32; D] {
        &self.m2
    }

    /// Replaces the whole state for `crate::persist`, which has validated every value: the
    /// means then the `M2` sums come from `next`.
    pub(crate) fn restore(&mut self, count: u64, offset: f32, next: &mut impl FnMut() -> f32) {
        self.count = count;
        self.offset = offset;
        self.mean.iter_mut().for_each(|v| *v = next());
        self.m2.iter_mut().for_each(|v| *v = next());
    }
}

/// `z_j = (x_j − mean_j) / (sqrt(m2_j / count) + offset)` (0 for `0/0`), or the first `j`
/// whose `z_j` is infinite.
fn transform<const D: usize>(
    x: &[f32; D],
    count: u64,
    mean: &[f32; D],
    m2: &[f32; D],
    offset: f32,
) -> Result<[f32; D], Error> {
    let n = if count > 0 { count as f32 } else { 1.0 };
    let mut z = [0.0f32; D];
    for (((zj, &xj), &mj), &sj) in z.iter_mut().zip(x).zip(mean).zip(m2) {
        let q = (xj - mj) / (sqrt(sj / n) + offset);
        // NaN only from 0/0: `x` at the mean of a feature with no spread and offset 0 (the
        // first observation, or a constant feature). Its z-score is 0. (With offset > 0 the
        // denominator is positive and this never applies.)
        *zj = if q.is_nan() { 0.0 } else { q };
    }
    match z.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::Overflow { index }),
        None => Ok(z),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_two_pass_statistics() {
        let mut s = Standardizer::<2>::new(0.0);
        let data: std::vec::Vec<[f32; 2]> = (0..1000)
            .map(|i| [(i as f32 * 0.37).sin() * 4.0 + 10.0, (i % 13) as f32])
            .collect();
        for x in &data {
            s.update(x).unwrap();
        }
        for j in 0..2 {
            let mean: f64 = data.iter().map(|x| x[j] as f64).sum::<f64>() / 1000.0;
            let var: f64 = data
                .iter()
                .map(|x| (x[j] as f64 - mean).powi(2))
                .sum::<f64>()
                / 1000.0;
            assert!((s.mean()[j] as f64 - mean).abs() < 1e-4, "mean {j}");
            assert!((s.std_at(j) as f64 - var.sqrt()).abs() < 1e-4, "std {j}");
        }
        let z = s.transform(&[10.0, 6.0]).unwrap();
        assert!((z[0] as f64 - (10.0 - s.mean()[0] as f64) / s.std_at(0) as f64).abs() < 1e-5);
        assert_eq!(s.count(), 1000);
    }

    #[test]
    fn offset_zero_starts_and_handles_a_constant_feature() {
        // 0/0 at the first observation used to be reported as an overflow, so with offset 0
        // `update_transform` never got past the first sample.
        let mut s = Standardizer::<2>::new(0.0);
        assert_eq!(s.update_transform(&[1.0, 2.0]), Ok([0.0, 0.0]));
        assert_eq!(s.update_transform(&[3.0, 2.0]), Ok([1.0, 0.0]));
        assert_eq!(s.count(), 2);
        // Off the mean of a feature with no spread yet, offset 0: an honest overflow.
        assert_eq!(s.transform(&[2.0, 2.5]), Err(Error::Overflow { index: 1 }));
        // The 0/0 case gives +0.
        assert_eq!(s.transform(&[2.0, 2.0]).unwrap()[1].to_bits(), 0);
    }

    #[test]
    fn constant_feature_and_offset() {
        let mut s = Standardizer::<1>::new(1.0);
        for _ in 0..10 {
            s.update(&[3.0]).unwrap();
        }
        assert_eq!(s.std_at(0), 0.0);
        assert_eq!(s.transform(&[3.0]).unwrap(), [0.0]);
        assert_eq!(s.transform(&[5.0]).unwrap(), [2.0]);
        assert_eq!(s.std_at(7), 0.0);
    }

    #[test]
    fn rejected_input_changes_nothing() {
        let mut s = Standardizer::<3>::new(1.0);
        s.update(&[1.0, 2.0, 3.0]).unwrap();
        s.update(&[2.0, 0.0, -1.0]).unwrap();
        let before = s;
        assert_eq!(
            s.update(&[1.0, f32::NAN, 0.0]),
            Err(Error::NonFinite { index: 1 })
        );
        assert_eq!(
            s.update(&[f32::INFINITY, 0.0, 0.0]),
            Err(Error::NonFinite { index: 0 })
        );
        assert_eq!(
            s.update_transform(&[0.0, 0.0, f32::NEG_INFINITY]),
            Err(Error::NonFinite { index: 2 })
        );
        // Finite but overflowing: -3e38 after a mean near +3e38.
        let mut big = Standardizer::<1>::new(0.0);
        big.update(&[3.0e38]).unwrap();
        let b = big;
        assert_eq!(big.update(&[-3.0e38]), Err(Error::Overflow { index: 0 }));
        assert_eq!(big, b);
        assert_eq!(s, before);
        assert_eq!(
            s.transform(&[0.0, f32::NAN, 0.0]),
            Err(Error::NonFinite { index: 1 })
        );
        // A huge z with a zero offset is reported, not returned as infinity.
        let mut tiny = Standardizer::<1>::new(0.0);
        tiny.update(&[1.0]).unwrap();
        tiny.update(&[1.0 + 1e-7]).unwrap();
        let t = tiny;
        assert_eq!(
            tiny.update_transform(&[3.0e38]),
            Err(Error::Overflow { index: 0 })
        );
        assert_eq!(tiny, t);
    }
}
