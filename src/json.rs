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
