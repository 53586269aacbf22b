//! One JSON reader for the whole crate.
//!
//! serde_json's `from_str` and `from_slice` are separate generic instantiations of its whole
//! parser (and of every `Deserialize` impl they reach). Routing text through the byte-slice
//! reader everywhere keeps one copy of that code in the wasm build, which is most of what the
//! plugin size budget (README G-R3) is spent on.

pub mod build;
pub mod read;

pub use read::{read_slice, read_str, FromJson};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::{Error, Map, Value};

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
/// and a repeated key keeps its last value instead of being an error. See [`from_value`] for
/// how the tree is read.
pub fn from_slice_via_value<T: de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    from_value(serde_json::from_slice::<Value>(bytes)?)
}

/// [`from_slice_via_value`] for text.
pub fn from_str_via_value<T: de::DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    from_slice_via_value(text.as_bytes())
}

/// `serde_json::from_value`, except that a struct is read only from a JSON object.
///
/// serde_json also accepts a struct written as an array of its fields, and the code for that
/// (each derived impl's `visit_seq`, inlined into serde_json's `visit_array`) is about 1 KB of
/// wasm per struct type, over 30 KB in all, for a form this crate never writes. Here an array
/// where a struct is expected is refused like any other wrong type ("invalid type: sequence,
/// expected struct …"); everything else reads exactly as through `serde_json::from_value`.
pub fn from_value<T: de::DeserializeOwned>(v: Value) -> serde_json::Result<T> {
    T::deserialize(ObjectStructs(v))
}

/// A `Value` deserializer that reads structs from objects only and passes that rule on to
/// every value nested in a sequence, a map or an option (see [`from_value`]).
struct ObjectStructs(Value);

/// serde_json's own description of a value of the wrong type (`Value::unexpected`, private);
/// also the config reader's, so both say the same.
pub(crate) fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            (None, None) => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// serde_json's error for a value of the wrong type. Not generic, so the visitors share it.
#[inline(never)]
fn wrong_type(v: &Value, exp: &dyn de::Expected) -> Error {
    de::Error::invalid_type(unexpected(v), exp)
}

/// serde_json's `visit_array`, with the elements wrapped.
fn visit_array<'de, V: Visitor<'de>>(a: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = a.len();
    let mut seq = Elements(a.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

/// serde_json's `Map::deserialize_any`, with the values wrapped.
fn visit_object<'de, V: Visitor<'de>>(
    m: Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let len = m.len();
    let mut map = Entries {
        iter: m.into_iter(),
        value: None,
    };
    let out = visitor.visit_map(&mut map)?;
    if map.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

struct Elements(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Elements {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        match self.0.next() {
            Some(v) => seed.deserialize(ObjectStructs(v)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        match self.0.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

struct Entries {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                // Keys here are field names and `String`s, which a plain string deserializer
                // reads the same way as serde_json's (private) map-key deserializer, with one
                // small instantiation per key type.
                seed.deserialize(de::value::StrDeserializer::<Error>::new(&key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(ObjectStructs(v)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        match self.iter.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

/// Methods that read a `Value` as serde_json does, nothing nested to wrap.
macro_rules! forward {
    ($($method:ident ( $($arg:ident : $ty:ty),* )),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
                self.0.$method($($arg,)* visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for ObjectStructs {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // serde_json's Value::deserialize_any, arm by arm: forwarding the scalars to it would
        // instantiate its array and object arms for every visitor too.
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(a) => visit_array(a, visitor),
            Value::Object(m) => visit_object(m, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(ObjectStructs(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => visit_array(a, visitor),
            other => Err(wrong_type(&other, &visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => visit_object(m, visitor),
            other => Err(wrong_type(&other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The one difference from serde_json: no struct from an array (see `from_value`).
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // A unit variant by name, answered as serde_json's enum reader does (a payload
            // asked of it fails alike: "invalid type: unit variant, expected newtype
            // variant"), without instantiating that reader's object arm for the visitor.
            Value::String(s) => visitor.visit_enum(de::value::StringDeserializer::<Error>::new(s)),
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    forward! {
        deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(),
        deserialize_i64(), deserialize_i128(), deserialize_u8(), deserialize_u16(),
        deserialize_u32(), deserialize_u64(), deserialize_u128(), deserialize_f32(),
        deserialize_f64(), deserialize_char(), deserialize_str(), deserialize_string(),
        deserialize_bytes(), deserialize_byte_buf(), deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_identifier(), deserialize_ignored_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorted::SortedMap;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Inner {
        a: u64,
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
        map: SortedMap<String, Inner>,
        opt: Option<Inner>,
        #[serde(default)]
        extra: Value,
    }

    #[test]
    fn from_value_reads_like_serde_json_except_struct_arrays() {
        let text = r#"{"inner":{"a":1,"b":"x"},"list":[{"a":2}],"map":{"k":{"a":3,"b":null}},
            "opt":null,"extra":[1,{"z":[]}],"unknown":true}"#;
        let ours: Outer = from_str_via_value(text).unwrap();
        let theirs: Outer = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        for bad in [
            r#"{"inner":{"a":"1"},"list":[],"map":{},"opt":null}"#,
            r#"{"inner":{"a":-1},"list":[],"map":{},"opt":null}"#,
            r#"{"inner":{"a":1.5},"list":[],"map":{},"opt":null}"#,
            r#"{"inner":null,"list":[],"map":{},"opt":null}"#,
            r#"{"inner":{"a":1},"list":{},"map":{},"opt":null}"#,
            r#"{"inner":{"a":1},"list":[],"map":[],"opt":null}"#,
            r#"{"inner":{"a":1},"list":[],"map":{},"opt":7}"#,
            r#"{"list":[],"map":{},"opt":null}"#,
            r#"7"#,
        ] {
            let ours = from_str_via_value::<Outer>(bad).unwrap_err().to_string();
            let theirs = serde_json::from_value::<Outer>(serde_json::from_str(bad).unwrap())
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{bad}");
        }
        #[derive(Debug, PartialEq, serde::Deserialize)]
        enum E {
            A,
            B(u8),
        }
        for text in [
            r#""A""#,
            r#""B""#,
            r#""C""#,
            r#"{"B":3}"#,
            r#"{"A":null}"#,
            "5",
            "null",
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            let ours = from_value::<E>(v.clone()).map_err(|e| e.to_string());
            let theirs = serde_json::from_value::<E>(v).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
        // serde_json reads `[1, "x"]` as an Inner; this reader refuses it.
        let arr = r#"{"inner":[1,"x"],"list":[],"map":{},"opt":null}"#;
        assert!(serde_json::from_str::<Outer>(arr).is_ok());
        assert_eq!(
            from_str_via_value::<Outer>(arr).unwrap_err().to_string(),
            "invalid type: sequence, expected struct Inner"
        );
    }
}
