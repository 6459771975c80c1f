//! Online standardisation of features (Welford's algorithm), in fixed memory, that no single
//! reading can wreck.

use crate::error::{Error, check_finite};
use crate::math::sqrt;

const WARM_UP: u64 = 16;
const CLAMP: f32 = 16.0;
const INFLATED: f32 = 4.0;
const BLOCK_MIN: u64 = 16;
const BLOCK_MAX: u64 = 1024;

/// Running count, means and sums of squared deviations (Welford's `M2`) of `D` features.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Moments<const D: usize> {
    count: u64,
    mean: [f32; D],
    m2: [f32; D],
}

impl<const D: usize> Moments<D> {
    const EMPTY: Self = Self {
        count: 0,
        mean: [0.0; D],
        m2: [0.0; D],
    };

    /// The moments after observing `x` (finite), or the first feature that overflows.
    /// Branch-free over the features so that it vectorises; checked afterwards.
    fn updated(&self, x: &[f32; D]) -> Result<Self, usize> {
        let count = self.count.saturating_add(1);
        let n = count as f32;
        let (mut mean, mut m2) = (self.mean, self.m2);
        for ((&xj, mj), sj) in x.iter().zip(&mut mean).zip(&mut m2) {
            let d = xj - *mj;
            *mj += d / n;
            *sj += d * (xj - *mj);
        }
        match mean
            .iter()
            .zip(&m2)
            .position(|(m, s)| !(m.is_finite() && s.is_finite()))
        {
            Some(index) => Err(index),
            None => Ok(Self { count, mean, m2 }),
        }
    }

    /// Starts afresh from `x` (rare: out of line).
    #[cold]
    #[inline(never)]
    fn restart(&mut self, x: &[f32; D]) {
        *self = Self::first(x);
    }

    /// Moments of `x` alone.
    fn first(x: &[f32; D]) -> Self {
        Self {
            count: 1,
            mean: *x,
            m2: [0.0; D],
        }
    }

    /// Population standard deviation of feature `j` (0 when empty).
    fn std(&self, j: usize) -> f32 {
        match self.m2.get(j) {
            Some(&m2) if self.count > 0 => sqrt(m2 / self.count as f32),
            _ => 0.0,
        }
    }

    /// Observes `x` (finite) in place, for the recent block (see [`observe`]), starting
    /// afresh from `x` if the moments would overflow.
    fn observe(&mut self, x: &[f32; D]) {
        self.count = self.count.saturating_add(1);
        if !observe(self.count, &mut self.mean, &mut self.m2, x) {
            self.restart(x);
        }
    }
}

/// Running mean and variance of `D` features, and the map `z = (x − mean) / (std + offset)`.
///
/// GLN gating compares `v · z` with small offsets, so the side information must be centred
/// and scaled; this is how the authors do it online. Statistics are updated with Welford's
/// algorithm in `f32`. `offset` keeps a constant feature (std 0) from dividing by zero and sets
/// the scale below which variation is damped: the authors use 1 for pixels in `[0, 1]`; for a
/// sensor, use a value in the sensor's units below its meaningful resolution.
///
/// Every call that takes data checks it first: a rejected call changes no statistic.
///
/// # No reading wrecks it
/// Plain Welford statistics never forget: one accepted reading of `1e19` among readings at
/// `20 ± 1` would set the spread for good, and a first reading of `3e38` would make every later
/// one overflow. Three rules, none of which fires on an ordinary stream (so those give exactly
/// the bits plain Welford gives):
/// - once [`WARM_UP`](Self::WARM_UP) values are in, an update folds a value in at most [`CLAMP`](Self::CLAMP)
///   `sqrt(var + offset²)` from the mean (the transform still sees the value itself);
/// - the statistics of the recent block of readings (from [`BLOCK_MIN`](Self::BLOCK_MIN) readings, the newer
///   half of the history, up to [`BLOCK_MAX`](Self::BLOCK_MAX)) are kept alongside; when a block ends with the
///   long-run spread of a feature above [`INFLATED`](Self::INFLATED) times the block's spread plus the offset,
///   the long-run statistics are replaced by the block's (a reading before the warm-up was
///   absurd, or the stream has calmed down for good);
/// - a value too far from a single earlier observation for `f32` starts the statistics
///   afresh from it (one of the two was absurd; if it was the new value, the next ordinary
///   reading starts them afresh again).
///
/// After any single accepted value, a stream of ordinary readings brings the transform back
/// to within 1% of a fresh standardiser's (`tests/durability/recovery.rs`). The recent block is not
/// saved ([`crate::persist`] keeps the long-run statistics), and `==` compares what is saved;
/// a loaded copy starts a new block, so it computes the same bits as the original as long as
/// no block replaces the statistics.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Standardizer<const D: usize> {
    stats: Moments<D>,
    offset: f32,
    /// The readings of the current block (raw, not clamped).
    recent: Moments<D>,
}

impl<const D: usize> PartialEq for Standardizer<D> {
    /// The saved state: count, offset, means and `M2` sums (not the recent block).
    fn eq(&self, other: &Self) -> bool {
        self.stats == other.stats && self.offset == other.offset
    }
}

impl<const D: usize> Standardizer<D> {
    /// Observations before an update is clamped: until then the spread is too uncertain to
    /// say what is far.
    pub const WARM_UP: u64 = WARM_UP;
    /// Once warm, an update folds a value in at most this many `sqrt(var + offset²)` from
    /// the mean (the transform still uses the value itself).
    pub const CLAMP: f32 = CLAMP;
    /// A block replaces the long-run statistics when a feature's long-run spread exceeds
    /// this many times the block's spread plus the offset.
    pub const INFLATED: f32 = INFLATED;
    /// Readings in the shortest recent block.
    pub const BLOCK_MIN: u64 = BLOCK_MIN;
    /// Readings in the longest recent block.
    pub const BLOCK_MAX: u64 = BLOCK_MAX;

    /// No observations yet; `offset` is the constant added to the standard deviation.
    ///
    /// # Panics
    /// At compile time in a `const` context (at run time otherwise) if `offset` is negative,
    /// NaN or infinite; [`try_new`](Self::try_new) returns an error instead.
    pub const fn new(offset: f32) -> Self {
        assert!(
            offset >= 0.0 && offset < f32::INFINITY,
            "offset must be finite and >= 0"
        );
        Self {
            stats: Moments::EMPTY,
            offset,
            recent: Moments::EMPTY,
        }
    }

    /// [`new`](Self::new) for an offset known only at run time.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `offset` is negative, NaN or infinite.
    pub const fn try_new(offset: f32) -> Result<Self, Error> {
        if offset >= 0.0 && offset < f32::INFINITY {
            Ok(Self::new(offset))
        } else {
            Err(Error::InvalidConfig("offset must be finite and >= 0"))
        }
    }

    /// Back to no observations, with the same offset.
    pub fn reset(&mut self) {
        self.stats = Moments::EMPTY;
        self.recent = Moments::EMPTY;
    }

    /// Adds one observation to the statistics. Subnormal and huge-but-finite values are
    /// accepted as long as the statistics stay finite.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value; [`Error::Overflow`] if a value is so
    /// far from the mean of two or more observations that the statistics would overflow
    /// `f32`. Nothing changes then.
    pub fn update(&mut self, x: &[f32; D]) -> Result<(), Error> {
        check_finite(x)?;
        let next = self.next(x)?;
        self.commit(next, x);
        Ok(())
    }

    /// The long-run statistics after observing `x` (finite), and whether they start afresh.
    fn next(&self, x: &[f32; D]) -> Result<(Moments<D>, bool), Error> {
        let m = &self.stats;
        let far = m.count >= WARM_UP && any_far(x, &m.mean, &m.m2, m.count as f32, self.offset);
        let stats = if far {
            self.clamped_update(x)
        } else {
            m.updated(x)
        };
        match stats {
            Ok(s) => Ok((s, false)),
            // `x` and the only observation are too far apart for `f32`: start from `x`.
            Err(_) if self.stats.count <= 1 => Ok((Moments::first(x), true)),
            Err(index) => Err(Error::Overflow { index }),
        }
    }

    /// The statistics after observing `x` clamped (rare: kept out of line, so that the
    /// common path stays small in flash).
    #[cold]
    #[inline(never)]
    fn clamped_update(&self, x: &[f32; D]) -> Result<Moments<D>, usize> {
        let m = &self.stats;
        let mut folded = *x;
        clamp_far(&mut folded, &m.mean, &m.m2, m.count as f32, self.offset);
        m.updated(&folded)
    }

    /// Takes the statistics from [`next`](Self::next), adds `x` to the recent block, and ends
    /// the block when it is due: the long-run statistics are replaced by the block's if
    /// they are inflated.
    fn commit(&mut self, (stats, fresh): (Moments<D>, bool), x: &[f32; D]) {
        self.stats = stats;
        if fresh {
            self.recent = Moments::first(x);
        } else {
            self.recent.observe(x);
        }
        let r = self.recent.count;
        if r >= BLOCK_MIN && (r.saturating_mul(2) >= self.stats.count || r >= BLOCK_MAX) {
            self.end_block();
        }
    }

    /// The end of a block (once per block: out of line).
    #[cold]
    #[inline(never)]
    fn end_block(&mut self) {
        let (s, b) = (&self.stats, &self.recent);
        if inflated((&s.m2, s.count), (&b.m2, b.count), self.offset) {
            self.stats = self.recent;
        }
        self.recent = Moments::EMPTY;
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
        transform(x, &self.stats, self.offset)
    }

    /// [`update`](Self::update) then [`transform`](Self::transform): the authors' order.
    ///
    /// # Errors
    /// As `update` and `transform`; nothing changes on error.
    pub fn update_transform(&mut self, x: &[f32; D]) -> Result<[f32; D], Error> {
        check_finite(x)?;
        let next = self.next(x)?;
        let z = transform(x, &next.0, self.offset)?;
        self.commit(next, x);
        Ok(z)
    }

    /// Number of observations (in the statistics: a replacement by the recent block, or a
    /// fresh start, lowers it).
    pub fn count(&self) -> u64 {
        self.stats.count
    }

    /// Running means.
    pub fn mean(&self) -> &[f32; D] {
        &self.stats.mean
    }

    /// Population standard deviation of feature `j` (0 before two observations, or out of
    /// range).
    pub fn std_at(&self, j: usize) -> f32 {
        self.stats.std(j)
    }

    /// The offset added to the standard deviation.
    pub fn offset(&self) -> f32 {
        self.offset
    }

    /// Sums of squared deviations (Welford's `M2`), for `crate::persist`.
    pub(crate) fn m2(&self) -> &[f32; D] {
        &self.stats.m2
    }

    /// Replaces the whole state for `crate::persist`, which has validated every value: the
    /// means then the `M2` sums come from `next`. The recent block starts afresh.
    pub(crate) fn restore(&mut self, count: u64, offset: f32, next: &mut impl FnMut() -> f32) {
        self.stats.count = count;
        self.offset = offset;
        self.stats.mean.iter_mut().for_each(|v| *v = next());
        self.stats.m2.iter_mut().for_each(|v| *v = next());
        self.recent = Moments::EMPTY;
    }
}

/// Welford's update of one moment set in place, with a reciprocal (for the recent block: its
/// bits only decide when a block replaces the statistics); `count` includes `x`. False if a
/// moment overflowed. Over slices, so that there is one small loop in flash whatever `D`.
#[inline(never)]
fn observe(count: u64, mean: &mut [f32], m2: &mut [f32], x: &[f32]) -> bool {
    let inv = 1.0 / count as f32;
    let mut ok = true;
    for ((&xj, mj), sj) in x.iter().zip(mean).zip(m2) {
        let d = xj - *mj;
        *mj += d * inv;
        *sj += d * (xj - *mj);
        ok &= mj.is_finite() & sj.is_finite();
    }
    ok
}

/// Whether `x_j` lies more than `CLAMP` `sqrt(var + offset²)` from the mean, given the
/// feature's moments, the count `n` and `n offset²`: `d² n > k² (m2 + n o²)` (no division).
fn far(xj: f32, mj: f32, sj: f32, n: f32, no2: f32) -> bool {
    let (d, b) = (xj - mj, CLAMP * CLAMP * (sj + no2));
    (b > 0.0) & (d * d * n > b)
}

/// Whether any feature of `x` is [`far`] from moments of `n` observations.
#[inline(never)]
fn any_far(x: &[f32], mean: &[f32], m2: &[f32], n: f32, offset: f32) -> bool {
    let no2 = n * offset * offset;
    let mut any = false;
    for ((&xj, &mj), &sj) in x.iter().zip(mean).zip(m2) {
        any |= far(xj, mj, sj, n, no2);
    }
    any
}

/// Moves each feature of `x` that is [`far`] from the moments to the bound, `CLAMP`
/// `sqrt(var + offset²)` from the mean.
fn clamp_far(x: &mut [f32], mean: &[f32], m2: &[f32], n: f32, offset: f32) {
    let no2 = n * offset * offset;
    for ((xj, &mj), &sj) in x.iter_mut().zip(mean).zip(m2) {
        if far(*xj, mj, sj, n, no2) {
            let b = sqrt(CLAMP * CLAMP * (sj / n + offset * offset));
            *xj = if *xj > mj { mj + b } else { mj - b };
        }
    }
}

/// Whether a feature's long-run spread (`M2` sums and count) exceeds `INFLATED` times the
/// recent block's spread plus the offset.
fn inflated((m2, n): (&[f32], u64), (b2, b): (&[f32], u64), offset: f32) -> bool {
    let std = |s: f32, n: u64| if n > 0 { sqrt(s / n as f32) } else { 0.0 };
    m2.iter()
        .zip(b2)
        .any(|(&s, &sb)| std(s, n) > INFLATED * (std(sb, b) + offset))
}

/// `z_j = (x_j − mean_j) / (sqrt(m2_j / count) + offset)` (0 for `0/0`), or the first `j`
/// whose `z_j` is infinite.
fn transform<const D: usize>(
    x: &[f32; D],
    stats: &Moments<D>,
    offset: f32,
) -> Result<[f32; D], Error> {
    let n = if stats.count > 0 {
        stats.count as f32
    } else {
        1.0
    };
    let mut z = [0.0f32; D];
    for (((zj, &xj), &mj), &sj) in z.iter_mut().zip(x).zip(&stats.mean).zip(&stats.m2) {
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
        // Finite but overflowing: -3e38 after two observations at +3e38.
        let mut big = Standardizer::<1>::new(0.0);
        big.update(&[3.0e38]).unwrap();
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

    #[test]
    fn a_first_value_too_far_for_f32_is_replaced_by_the_next() {
        // It used to make every later reading overflow, for ever.
        let mut s = Standardizer::<2>::new(0.1);
        s.update(&[3.0e38, 1.0]).unwrap();
        assert_eq!(s.update_transform(&[20.0, 2.0]), Ok([0.0, 0.0]));
        assert_eq!((s.count(), *s.mean()), (1, [20.0, 2.0]));
        s.update(&[21.0, 2.5]).unwrap();
        assert_eq!(s.count(), 2);
    }

    #[test]
    fn once_warm_a_far_value_is_folded_in_at_the_clamp() {
        let mut s = Standardizer::<1>::new(0.0);
        for i in 0..WARM_UP {
            s.update(&[(i % 2) as f32]).unwrap(); // mean 0.5, variance 0.25
        }
        let mut bound = s;
        s.update(&[1e19]).unwrap();
        bound.update(&[0.5 + CLAMP * 0.5]).unwrap();
        assert_eq!(
            (s.count(), s.mean(), s.m2()),
            (17, bound.mean(), bound.m2())
        );
        // Below the bound nothing is clamped: bit for bit the plain update.
        let (mut a, mut b) = (bound, bound);
        a.update(&[3.0]).unwrap();
        b.stats = b.stats.updated(&[3.0]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn an_inflated_spread_is_replaced_by_the_recent_blocks() {
        let mut s = Standardizer::<2>::new(0.0);
        s.update(&[1e19, 0.0]).unwrap(); // before the warm-up: not clamped
        for i in 0..(2 * BLOCK_MIN - 1) {
            s.update(&[20.0, i as f32]).unwrap();
        }
        // The second block (readings 17 to 32) ended with feature 0 inflated: both features
        // now hold that block's statistics.
        assert_eq!(s.count(), BLOCK_MIN);
        assert_eq!(s.mean()[0], 20.0);
        assert_eq!(s.std_at(0), 0.0);
        assert_eq!(s.mean()[1], 22.5);
    }

    #[test]
    fn try_new_refuses_what_new_panics_on() {
        for bad in [-1.0, f32::NAN, f32::INFINITY, -f32::from_bits(1)] {
            assert!(matches!(
                Standardizer::<2>::try_new(bad),
                Err(Error::InvalidConfig(_))
            ));
        }
        assert_eq!(Standardizer::<2>::try_new(0.5), Ok(Standardizer::new(0.5)));
        let mut s = Standardizer::<2>::new(0.5);
        s.update(&[1.0, 2.0]).unwrap();
        s.reset();
        assert_eq!(s, Standardizer::new(0.5));
    }
}
