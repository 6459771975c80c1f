//! The error type of every fallible call.

use core::fmt;

/// Why a call was rejected. A rejected call changes nothing: every weight, statistic and
/// counter is exactly as it was before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A feature was NaN or infinite. `index` is its position in the slice or array given.
    NonFinite {
        /// Position of the first bad value.
        index: usize,
    },
    /// A probability was outside `[0, 1]` (or NaN). `index` is its position.
    NotAProbability {
        /// Position of the first bad value.
        index: usize,
    },
    /// A slice had the wrong length for the model's shape.
    WrongLength {
        /// The length the shape requires.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A variance was negative or NaN. `index` is its position.
    NotAVariance {
        /// Position of the first bad value.
        index: usize,
    },
    /// A class label was not below the number of classes.
    LabelOutOfRange {
        /// The label given.
        label: usize,
        /// The number of classes in the model's type.
        classes: usize,
    },
    /// A value is finite but so large that the running statistics would overflow `f32`
    /// (e.g. `3e38` after `-3e38`). `index` is its position.
    Overflow {
        /// Position of the first value that would overflow.
        index: usize,
    },
    /// A configuration value is out of its documented range; the text names it.
    InvalidConfig(&'static str),
    /// Saving or loading a model failed: a buffer too small, or saved bytes that are not a
    /// valid record for this type (see [`crate::persist`]).
    Persist(crate::persist::format::PersistError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::NonFinite { index } => write!(f, "feature {index} is NaN or infinite"),
            Error::NotAProbability { index } => {
                write!(f, "base input {index} is not a probability in [0, 1]")
            }
            Error::WrongLength { expected, found } => {
                write!(
                    f,
                    "wrong length: the shape needs {expected} values, got {found}"
                )
            }
            Error::NotAVariance { index } => {
                write!(f, "variance {index} is negative or NaN")
            }
            Error::LabelOutOfRange { label, classes } => {
                write!(f, "label {label} is out of range for {classes} classes")
            }
            Error::Overflow { index } => {
                write!(
                    f,
                    "feature {index} is too large: the statistics would overflow f32"
                )
            }
            Error::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            Error::Persist(e) => write!(f, "{e}"),
        }
    }
}

// `core::error::Error` (Rust 1.81): the same trait as `std::error::Error`, without `std`.
impl core::error::Error for Error {}

impl From<crate::persist::format::PersistError> for Error {
    fn from(e: crate::persist::format::PersistError) -> Self {
        Error::Persist(e)
    }
}

/// `Ok(())` when every value is finite, else the position of the first that is not.
pub(crate) fn check_finite(x: &[f32]) -> Result<(), Error> {
    match x.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFinite { index }),
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            Error::NonFinite { index: 3 }.to_string(),
            "feature 3 is NaN or infinite"
        );
        assert_eq!(
            Error::LabelOutOfRange {
                label: 10,
                classes: 10
            }
            .to_string(),
            "label 10 is out of range for 10 classes"
        );
        assert_eq!(
            Error::WrongLength {
                expected: 4,
                found: 3
            }
            .to_string(),
            "wrong length: the shape needs 4 values, got 3"
        );
        let e: &dyn std::error::Error = &Error::InvalidConfig("eps must be in (0, 0.5)");
        assert!(e.to_string().contains("eps"));
    }

    #[test]
    fn check_finite_finds_the_first_bad_value() {
        assert_eq!(check_finite(&[1.0, 2.0]), Ok(()));
        assert_eq!(
            check_finite(&[1.0, f32::NAN, f32::INFINITY]),
            Err(Error::NonFinite { index: 1 })
        );
        assert_eq!(
            check_finite(&[f32::NEG_INFINITY]),
            Err(Error::NonFinite { index: 0 })
        );
        assert_eq!(check_finite(&[]), Ok(()));
    }
}
