#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod apache_convert;
pub mod htfiles;
pub mod load;
