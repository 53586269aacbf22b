//! What every phase's settings share (ground floor, issue 18): the `phases.<key>` toggle
//! ([`Toggle`], [`PhaseSettings`]) and the collection of validation errors under their key
//! paths ([`Check`], [`CheckAt`], [`ConfigError`]). A phase's `config.rs` imports these, never
//! the aggregate [`crate::config`], which only collects the seven phase configs.

mod check;
mod toggle;

pub use check::{Check, CheckAt, ConfigError};
pub use toggle::{PhaseSettings, Toggle};
