//! `phases.<key>`: either a boolean or an object with `enabled` plus the phase's settings
//! (README G-R13). `true` means "enabled with defaults"; `false` disables the phase entirely.

use super::{At, ConfigError, ReadJson};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;

/// Settings of one phase; every phase config carries its own `enabled` flag.
pub trait PhaseSettings: Default + ReadJson + Serialize + JsonSchema {
    /// Whether the phase is on.
    fn enabled(&self) -> bool;
    /// Switches the phase on or off, keeping the other settings.
    fn set_enabled(&mut self, on: bool);
}

/// A phase entry accepting `true`, `false` or `{ "enabled": …, …settings }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Toggle<T>(pub T);

impl<T: PhaseSettings> Default for Toggle<T> {
    fn default() -> Self {
        Toggle(T::default())
    }
}

impl<T: PhaseSettings> Toggle<T> {
    /// Whether the phase is on.
    pub fn enabled(&self) -> bool {
        self.0.enabled()
    }
    /// The phase settings (defaults when the entry was a boolean).
    pub fn settings(&self) -> &T {
        &self.0
    }
}

impl<T: PhaseSettings> Serialize for Toggle<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T: PhaseSettings> ReadJson for Toggle<T> {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match v {
            Value::Bool(on) => {
                let mut t = T::default();
                t.set_enabled(*on);
                Ok(Toggle(t))
            }
            // The object is the settings type itself, so its errors keep their full paths.
            Value::Object(_) => T::read_json(v, at).map(Toggle),
            _ => Err(at.invalid_type(
                v,
                "a boolean or an object with `enabled` and the phase settings",
            )),
        }
    }
}

impl<T: PhaseSettings> JsonSchema for Toggle<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Toggle_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inner = generator.subschema_for::<T>();
        json_schema!({
            "anyOf": [ { "type": "boolean" }, inner ]
        })
    }
}
