#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod curve;
mod error;
mod field;
mod jacobian;
mod mul;
mod point;
mod scalar;
mod table;
#[cfg(test)]
mod tests;

pub use curve::{Curve, P256, P521};
pub use error::Error;
pub use point::{Coordinate, Point};
pub use scalar::Scalar;
/// `subtle`'s `Choice`, which [`Point::decompress`] and [`Point::to_x_and_parity`] use for
/// the parity of y.
pub use subtle::Choice;
