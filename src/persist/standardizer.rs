//! Kind 2: the [`Standardizer`]: shape `D`; body: count (`u64`), `offset` (`f32`), the `D`
//! means then the `D` `M2` sums (`f32`).

use crate::error::Error;
use crate::persist::format::{
    Body, PersistError, SHAPE_WORDS, Sink, Source, kind, put_f32, put_u64,
};
use crate::persist::{Record, Values, sealed};
use crate::standardize::Standardizer;

impl<const D: usize> sealed::Sealed for Standardizer<D> {}

impl<const D: usize> Record for Standardizer<D> {
    const KIND: u16 = kind::STANDARDIZER;
    const SHAPE: [u32; SHAPE_WORDS] = {
        assert!(D <= u32::MAX as usize, "D over u32::MAX");
        let mut s = [0u32; SHAPE_WORDS];
        s[0] = D as u32;
        s
    };
    const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = [
        "D (features)",
        "unused shape word 1",
        "unused shape word 2",
        "unused shape word 3",
        "unused shape word 4",
        "unused shape word 5",
        "unused shape word 6",
        "unused shape word 7",
        "unused shape word 8",
        "unused shape word 9",
        "unused shape word 10",
        "unused shape word 11",
    ];
    const BODY_BYTES: usize = 8 + 4 + 8 * D;

    fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
        put_u64(out, self.count())?;
        put_f32(out, self.offset())?;
        for &v in self.mean().iter().chain(self.m2()) {
            put_f32(out, v)?;
        }
        Ok(())
    }

    fn check_body<S: Source>(
        input: &mut Body<'_, S>,
        _version: u16,
    ) -> Result<Result<(), Error>, S::Error> {
        let count = input.u64()?;
        let offset_at = input.offset();
        let offset = input.f32()?;
        let mut first = None;
        if !(0.0..f32::INFINITY).contains(&offset) {
            first = Some((offset_at, "offset is negative, NaN or infinite"));
        }
        for j in 0..D.saturating_mul(2) {
            let at = input.offset();
            let v = input.f32()?;
            let is_m2 = j >= D;
            let what = if !v.is_finite() {
                Some("statistic is NaN or infinite")
            } else if is_m2 && v < 0.0 {
                Some("sum of squared deviations is negative")
            } else if count == 0 && v != 0.0 {
                Some("statistic is not zero before the first observation")
            } else {
                None
            };
            if let (None, Some(what)) = (first, what) {
                first = Some((at, what));
            }
        }
        Ok(match first {
            Some((offset, what)) => Err(PersistError::BadValue { offset, what }.into()),
            None => Ok(()),
        })
    }

    fn apply_body<S: Source>(
        &mut self,
        input: &mut Body<'_, S>,
        _version: u16,
    ) -> Result<Result<(), Error>, S::Error> {
        let count = input.u64()?;
        let offset = input.f32()?;
        // The check pass's ranges: statistics finite, sums of squares non-negative, all zero
        // before the first observation.
        let max = if count == 0 { 0.0 } else { f32::MAX };
        let mut values = Values::new(input);
        let mut j = 0usize;
        self.restore(count, offset, &mut || {
            let lo = if j < D { -max } else { 0.0 };
            j = j.saturating_add(1);
            values.next_in(lo, max)
        });
        let offset_ok = (0.0..f32::INFINITY).contains(&offset);
        Ok(values.finish()?.and(if offset_ok {
            Ok(())
        } else {
            Err(PersistError::Changed.into())
        }))
    }

    fn blank() -> Self {
        Self::new(1.0)
    }
}
