//! What every phase's settings share (ground floor, issue 18): the `phases.<key>` toggle
//! ([`Toggle`], [`PhaseSettings`]), the hand-written JSON reader of the config types
//! ([`ReadJson`], `read_struct!`, `read_enum!`), and
//! the collection of validation errors under their key paths ([`Check`], [`CheckAt`],
//! [`ConfigError`]). A phase's `config.rs` imports these, never the aggregate
//! [`crate::config`], which only collects the seven phase configs.

mod check;
mod read;
mod toggle;

pub use check::{Check, CheckAt, ConfigError};
pub use read::{closest_key, enum_index, missing_field, struct_entries, unknown_key, At, ReadJson};
pub(crate) use read::{read_enum, read_struct};
pub use toggle::{PhaseSettings, Toggle};
