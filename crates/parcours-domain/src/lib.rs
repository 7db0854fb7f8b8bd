//! Parcours domain: the rules of the alternative identity-verification path.
//!
//! This crate holds the form's field model, the identifiers (NIR, MRZ, S10),
//! the French calendar, the case lifecycle and the one-pass check function.
//! It must not do any IO and must not read the clock: dates and identifiers
//! are always passed in, so that every rule can be replayed on any day.

pub mod address;
pub mod calendar;
pub mod checks;
pub mod form;
pub mod lifecycle;
pub mod mrz;
pub mod nir;
pub mod roles;
pub mod s10;
pub mod settings;
pub mod tracking;
pub mod turnaround;
pub mod types;
pub mod values;

pub use types::*;
