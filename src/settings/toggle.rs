//! `phases.<key>`: either a boolean or an object with `enabled` plus the phase's settings
//! (README G-R13). `true` means "enabled with defaults"; `false` disables the phase entirely.

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Settings of one phase; every phase config carries its own `enabled` flag.
pub trait PhaseSettings: Default + DeserializeOwned + Serialize + JsonSchema {
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

struct ToggleVisitor<T>(PhantomData<T>);

impl<'de, T: PhaseSettings> Visitor<'de> for ToggleVisitor<T> {
    type Value = Toggle<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or an object with `enabled` and the phase settings")
    }

    fn visit_bool<E: de::Error>(self, on: bool) -> Result<Self::Value, E> {
        let mut t = T::default();
        t.set_enabled(on);
        Ok(Toggle(t))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // Hand the same map to the settings type so nested paths and unknown-key errors
        // keep their full location.
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Toggle)
    }
}

impl<'de, T: PhaseSettings> Deserialize<'de> for Toggle<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ToggleVisitor(PhantomData))
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
