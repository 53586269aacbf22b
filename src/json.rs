//! One JSON reader for the whole crate.
//!
//! serde_json's `from_str` and `from_slice` are separate generic instantiations of its whole
//! parser (and of every `Deserialize` impl they reach). Routing text through the byte-slice
//! reader everywhere keeps one copy of that code in the wasm build, which is most of what the
//! plugin size budget (README G-R3) is spent on.

use serde::Deserialize;

/// Parses JSON text: identical results and errors to `crate::json::from_str`.
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    serde_json::from_slice(text.as_bytes())
}

/// Parses JSON bytes into `T` through a [`serde_json::Value`] tree.
///
/// For state files, journals and host replies, which this crate writes itself. Read straight
/// from bytes, every derived `Deserialize` impl gets its own copy of the byte parser's map and
/// sequence loops inlined into it, several kilobytes of wasm per type; read from a `Value`, the
/// parser exists once (for `Value`) and each impl only walks a map. Results are the same for
/// any text the crate writes. Syntax errors keep their line and column, type errors have none,
/// and a repeated key keeps its last value instead of being an error.
pub fn from_slice_via_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    serde_json::from_value(serde_json::from_slice::<serde_json::Value>(bytes)?)
}

/// [`from_slice_via_value`] for text.
pub fn from_str_via_value<T: serde::de::DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    from_slice_via_value(text.as_bytes())
}
