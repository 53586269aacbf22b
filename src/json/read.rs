//! State files read by hand from a [`serde_json::Value`] (README G-R3, issue 16).
//!
//! Each derived `Deserialize` impl, even read from a `Value`, is a field-name visitor, a map
//! loop and drop paths of its own, one to five kilobytes of wasm per type. [`FromJson`] does
//! the same job with one `match` per type and shared, non-generic helpers for everything else.
//! It gives the results and error texts the derive gives through [`super::from_value`] (a
//! test compares both on generated good and bad inputs for every type that has it):
//! entries are read in key order and the first bad value is the error; then the first
//! missing required key in declaration order (`missing field …`); unknown keys are ignored;
//! an `Option` key may be missing or null; scalars say what serde's primitive visitors say.
//!
//! A type gets it with one [`json_struct!`] or [`json_enum!`] line list next to its
//! definition; its derives stay for the CLI and tests (generic code the plugin never calls
//! costs nothing in the wasm).

use super::{unexpected, wrong_type};
use crate::sorted::{SortedMap, SortedSet};
use serde::de::{Error as _, Unexpected};
use serde_json::{Error, Map, Value};

/// A value read from JSON by hand (see the module docs).
pub trait FromJson: Sized {
    /// A struct's JSON keys (empty for other types), for the tests that keep each
    /// [`json_struct!`] list complete.
    const KEYS: &'static [&'static str] = &[];

    /// Reads `v` (taken, so strings move instead of being copied).
    fn from_json(v: Value) -> Result<Self, Error>;
}

/// Parses JSON bytes and reads a `T` from them: the syntax errors of serde_json's parser (with
/// line and column), then the type errors of [`FromJson`].
pub fn read_slice<T: FromJson>(bytes: &[u8]) -> Result<T, Error> {
    T::from_json(serde_json::from_slice::<Value>(bytes)?)
}

/// [`read_slice`] for text.
pub fn read_str<T: FromJson>(text: &str) -> Result<T, Error> {
    read_slice(text.as_bytes())
}

/// The entries of a struct's object, or serde's `invalid type: …, expected struct NAME`.
#[inline(never)]
pub fn object(v: Value, expected: &'static str) -> Result<Map<String, Value>, Error> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(wrong_type(&other, &expected)),
    }
}

/// serde's `missing field` error.
#[inline(never)]
pub fn missing(key: &'static str) -> Error {
    Error::missing_field(key)
}

/// Reads a unit variant named in `names`, returning its index, exactly as the derived enum
/// reader does from a `Value`: a string, or an object of one key whose value is null.
#[inline(never)]
pub fn variant(v: Value, names: &'static [&'static str]) -> Result<usize, Error> {
    let (name, payload) = match v {
        Value::String(s) => (s, None),
        Value::Object(m) => {
            let mut it = m.into_iter();
            match (it.next(), it.next()) {
                (Some((k, x)), None) => (k, Some(x)),
                _ => {
                    return Err(Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    ))
                }
            }
        }
        other => return Err(wrong_type(&other, &"string or map")),
    };
    let i = names
        .iter()
        .position(|n| *n == name)
        .ok_or_else(|| Error::unknown_variant(&name, names))?;
    match payload {
        None | Some(Value::Null) => Ok(i),
        Some(other) => Err(Error::invalid_type(unexpected(&other), &"unit")),
    }
}

/// An unsigned integer up to `max`, with serde's texts for the primitive `expected`.
#[inline(never)]
fn unsigned(v: Value, max: u64, expected: &'static str) -> Result<u64, Error> {
    if let Value::Number(n) = &v {
        if let Some(u) = n.as_u64() {
            return if u <= max {
                Ok(u)
            } else {
                Err(Error::invalid_value(Unexpected::Unsigned(u), &expected))
            };
        }
        if let Some(i) = n.as_i64() {
            return Err(Error::invalid_value(Unexpected::Signed(i), &expected));
        }
    }
    Err(wrong_type(&v, &expected))
}

/// A signed integer in `min..=max`, with serde's texts for the primitive `expected`.
#[inline(never)]
fn signed(v: Value, min: i64, max: i64, expected: &'static str) -> Result<i64, Error> {
    if let Value::Number(n) = &v {
        if let Some(i) = n.as_i64() {
            return if (min..=max).contains(&i) {
                Ok(i)
            } else {
                Err(Error::invalid_value(Unexpected::Signed(i), &expected))
            };
        }
        if let Some(u) = n.as_u64() {
            return Err(Error::invalid_value(Unexpected::Unsigned(u), &expected));
        }
    }
    Err(wrong_type(&v, &expected))
}

impl FromJson for u64 {
    fn from_json(v: Value) -> Result<Self, Error> {
        unsigned(v, u64::MAX, "u64")
    }
}

impl FromJson for u32 {
    fn from_json(v: Value) -> Result<Self, Error> {
        unsigned(v, u64::from(u32::MAX), "u32").map(|u| u as u32)
    }
}

impl FromJson for usize {
    fn from_json(v: Value) -> Result<Self, Error> {
        // wasm32 and every native target we build have a usize of at least 32 bits.
        unsigned(v, usize::MAX as u64, "usize").map(|u| u as usize)
    }
}

impl FromJson for i64 {
    fn from_json(v: Value) -> Result<Self, Error> {
        signed(v, i64::MIN, i64::MAX, "i64")
    }
}

impl FromJson for i32 {
    fn from_json(v: Value) -> Result<Self, Error> {
        signed(v, i64::from(i32::MIN), i64::from(i32::MAX), "i32").map(|i| i as i32)
    }
}

impl FromJson for f64 {
    fn from_json(v: Value) -> Result<Self, Error> {
        match &v {
            Value::Number(n) => n.as_f64().ok_or_else(|| wrong_type(&v, &"f64")),
            _ => Err(wrong_type(&v, &"f64")),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: Value) -> Result<Self, Error> {
        match v {
            Value::Bool(b) => Ok(b),
            other => Err(wrong_type(&other, &"a boolean")),
        }
    }
}

impl FromJson for String {
    fn from_json(v: Value) -> Result<Self, Error> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(wrong_type(&other, &"a string")),
        }
    }
}

impl FromJson for Value {
    fn from_json(v: Value) -> Result<Self, Error> {
        Ok(v)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Value) -> Result<Self, Error> {
        match v {
            Value::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

/// The elements of an array, or serde's `expected a sequence`.
#[inline(never)]
fn array(v: Value) -> Result<Vec<Value>, Error> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(wrong_type(&other, &"a sequence")),
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Value) -> Result<Self, Error> {
        array(v)?.into_iter().map(T::from_json).collect()
    }
}

impl<T: FromJson + Ord> FromJson for SortedSet<T> {
    fn from_json(v: Value) -> Result<Self, Error> {
        let mut out = SortedSet::new();
        for x in array(v)? {
            out.insert(T::from_json(x)?);
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for SortedMap<String, T> {
    fn from_json(v: Value) -> Result<Self, Error> {
        let mut out = SortedMap::new();
        for (k, x) in object(v, "a map")? {
            out.insert(k, T::from_json(x)?);
        }
        Ok(out)
    }
}

/// The index of `key` in `keys`, a struct's JSON keys.
#[inline(never)]
pub fn key_index(key: &str, keys: &[&str]) -> Option<usize> {
    keys.iter().position(|k| *k == key)
}

/// Reads `x` into `slot`. One copy per field type, shared by every struct (a `?` in each
/// struct's own code would give each its own drop and error paths).
#[inline(never)]
pub fn put<T: FromJson>(slot: &mut T, x: Value) -> Result<(), Error> {
    *slot = T::from_json(x)?;
    Ok(())
}

/// serde's `missing field` error for the first key in `keys` that `required` marks and
/// `seen` (bit `i` for `keys[i]`) lacks.
#[inline(never)]
pub fn first_missing(
    seen: u64,
    required: &[bool],
    keys: &'static [&'static str],
) -> Result<(), Error> {
    for (i, (req, key)) in required.iter().zip(keys).enumerate() {
        if *req && seen & 1u64.checked_shl(i as u32).unwrap_or(0) == 0 {
            return Err(missing(key));
        }
    }
    Ok(())
}

/// Reads the value of one key into its field of a `T`.
pub type Setter<T> = fn(&mut T, Value) -> Result<(), Error>;

/// What [`json_struct!`] knows of a struct: its JSON keys in declaration order (at most
/// 64), which are required, and one setter per key.
pub struct Fields<T: 'static> {
    /// `struct NAME`, serde's expectation for a value of the wrong type.
    pub name: &'static str,
    /// JSON keys.
    pub keys: &'static [&'static str],
    /// Whether each key is required.
    pub required: &'static [bool],
    /// How each key's value is read into `T`.
    pub setters: &'static [Setter<T>],
}

/// Builds a `T` from `T::default()`, reading each known key of the object `v` in place.
pub fn read_struct<T: Default>(v: Value, f: &Fields<T>) -> Result<T, Error> {
    let mut out = T::default();
    fill(
        v,
        f.name,
        f.keys,
        f.required,
        &mut |i, x| match f.setters.get(i) {
            Some(set) => set(&mut out, x),
            None => Ok(()),
        },
    )?;
    Ok(out)
}

/// The loop of [`read_struct`], not generic: entries in key order, the first error wins,
/// then the first missing required key.
#[inline(never)]
fn fill(
    v: Value,
    name: &'static str,
    keys: &'static [&'static str],
    required: &[bool],
    set: &mut dyn FnMut(usize, Value) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut seen = 0u64;
    for (k, x) in object(v, name)? {
        if let Some(i) = key_index(&k, keys) {
            seen |= 1u64.checked_shl(i as u32).unwrap_or(0);
            set(i, x)?;
        }
    }
    first_missing(seen, required, keys)
}

/// [`FromJson`] for a struct: one `"jsonKey" => field: how` per key, in declaration order
/// (at most 64), where `how` is what the derive does when the key is missing: `req`
/// (`missing field …`), `opt` (an `Option` field: `None`), `def` (the field type's
/// `Default`). The struct must implement `Default` with those values for `opt` and `def`
/// fields: it is built from `T::default()`, each key read in place.
///
/// `json_struct!(default T { "key" => field, … })` is the form for a struct with
/// `#[serde(default)]` on the container: every missing key keeps `T::default()`'s value.
macro_rules! json_struct {
    (default $t:ident { $($key:literal => $field:ident),+ $(,)? }) => {
        $crate::json::read::json_struct!($t { $($key => $field: def),+ });
    };
    ($t:ident { $($key:literal => $field:ident : $how:ident),+ $(,)? }) => {
        impl $crate::json::FromJson for $t {
            const KEYS: &'static [&'static str] = &[$($key),+];

            fn from_json(v: serde_json::Value) -> Result<Self, serde_json::Error> {
                $crate::json::read::read_struct(v, &$crate::json::read::Fields {
                    name: concat!("struct ", stringify!($t)),
                    keys: <$t as $crate::json::FromJson>::KEYS,
                    required: &[$($crate::json::read::json_struct!(@req $how)),+],
                    setters: &[$(|o: &mut $t, x| $crate::json::read::put(&mut o.$field, x)),+],
                })
            }
        }
    };
    (@req req) => { true };
    (@req opt) => { false };
    (@req def) => { false };
}

/// [`FromJson`] for a unit enum: one `Variant = "name"` per variant, the names the derive
/// reads.
macro_rules! json_enum {
    ($($t:ident { $($v:ident = $s:literal),+ $(,)? })+) => {$(
        impl $crate::json::FromJson for $t {
            fn from_json(v: serde_json::Value) -> Result<Self, serde_json::Error> {
                const NAMES: &[&str] = &[$($s),+];
                const VALUES: &[$t] = &[$($t::$v),+];
                let i = $crate::json::read::variant(v, NAMES)?;
                // `variant` only returns indices of `NAMES`, which `VALUES` matches.
                VALUES.get(i).copied().ok_or_else(|| {
                    <serde_json::Error as serde::de::Error>::custom("variant index out of range")
                })
            }
        }
    )+};
}

pub(crate) use {json_enum, json_struct};

/// Test support: compares [`FromJson`] with the derived `Deserialize` (read through
/// [`super::from_value`], the reader it replaces) on `seeds` and on every variant made from
/// them by removing a key, replacing a value with a value of another type or range, or adding
/// an unknown key, at every depth. Results (the value's `Debug` form or the error text) must
/// be the same.
#[cfg(test)]
pub(crate) fn assert_reads_like_serde<T>(seeds: &[Value]) -> usize
where
    T: FromJson + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let probes: Vec<Value> = serde_json::from_str(
        r#"[null, true, false, 0, 1, -1, 1.5, -2.5, 4294967296, -2147483649,
            18446744073709551615, -9223372036854775808, "", "x", "spawned", "running",
            [], [1], ["a"], [{}], {}, {"a": null}, {"x": 1, "y": 2}]"#,
    )
    .expect("the probes are JSON");
    // The first seed names every key the reader knows, so every key is tested.
    if let Some(Value::Object(first)) = seeds.first() {
        for k in T::KEYS {
            assert!(first.contains_key(*k), "the first seed lacks `{k}`");
        }
    }
    let mut inputs: Vec<Value> = seeds.to_vec();
    inputs.extend(probes.iter().cloned());
    for seed in seeds {
        mutate(seed, &probes, &mut |v| inputs.push(v));
    }
    for input in &inputs {
        let ours = T::from_json(input.clone()).map_err(|e| e.to_string());
        let theirs = super::from_value::<T>(input.clone()).map_err(|e| e.to_string());
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "input: {input}");
    }
    inputs.len()
}

/// [`assert_reads_like_serde`] plus the completeness of the key list: the first seed names
/// every key the reader knows, and every key `Serialize` writes for `T::default()` has a line.
#[cfg(test)]
pub(crate) fn check_reader<T>(seeds: &[Value])
where
    T: super::FromJson + serde::de::DeserializeOwned + serde::Serialize + Default + std::fmt::Debug,
{
    let n = assert_reads_like_serde::<T>(seeds);
    assert!(n > 20 * seeds.len(), "{n} inputs");
    // Every key `Serialize` writes has a line in the type's list: a field added without one
    // would be dropped on reading.
    if let Ok(Value::Object(written)) = serde_json::to_value(T::default()) {
        for k in written.keys() {
            assert!(
                T::KEYS.contains(&k.as_str()),
                "`{k}` has no json_struct! line"
            );
        }
    }
}

/// Every single mutation of `v` (see [`assert_reads_like_serde`]).
#[cfg(test)]
fn mutate(v: &Value, probes: &[Value], out: &mut dyn FnMut(Value)) {
    match v {
        Value::Object(m) => {
            let mut extra = m.clone();
            extra.insert("zzUnknownKey".into(), Value::Bool(true));
            out(Value::Object(extra));
            for (k, x) in m {
                let mut without = m.clone();
                without.remove(k);
                out(Value::Object(without));
                for p in probes {
                    let mut with = m.clone();
                    with.insert(k.clone(), p.clone());
                    out(Value::Object(with));
                }
                mutate(x, probes, &mut |nx| {
                    let mut with = m.clone();
                    with.insert(k.clone(), nx);
                    out(Value::Object(with));
                });
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                mutate(x, probes, &mut |nx| {
                    let mut with = a.clone();
                    if let Some(slot) = with.get_mut(i) {
                        *slot = nx;
                    }
                    out(Value::Array(with));
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, Default, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        #[default]
        Spawned,
        RolledBack,
    }
    json_enum!(Kind { Spawned = "spawned", RolledBack = "rolled_back" });

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        a: u32,
        b: Option<i64>,
        #[serde(default)]
        c: Vec<String>,
        kind: Kind,
    }
    json_struct!(Inner { "a" => a: req, "b" => b: opt, "c" => c: def, "kind" => kind: req });

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Outer {
        v: u64,
        inner_list: Vec<Inner>,
        by_key: SortedMap<String, Inner>,
        set: SortedSet<String>,
        flag: bool,
        ratio: f64,
        small: i32,
        count: usize,
        extra: Value,
        maybe: Option<Kind>,
    }
    json_struct!(default Outer {
        "v" => v, "innerList" => inner_list, "byKey" => by_key, "set" => set, "flag" => flag,
        "ratio" => ratio, "small" => small, "count" => count, "extra" => extra, "maybe" => maybe,
    });

    #[test]
    fn reads_like_the_derive() {
        let seed: Value = serde_json::from_str(
            r#"{"v": 3, "innerList": [{"a": 1, "b": -2, "c": ["x"], "kind": "spawned"}],
                "byKey": {"k": {"a": 4, "kind": "rolled_back"}}, "set": ["b", "a"],
                "flag": true, "ratio": 0.5, "small": -7, "count": 9, "extra": {"q": [1]},
                "maybe": "rolled_back"}"#,
        )
        .unwrap();
        let n = assert_reads_like_serde::<Outer>(&[seed]);
        assert!(n > 300, "{n}");
        let e = read_str::<Inner>(r#"{"a": 1}"#).unwrap_err().to_string();
        assert_eq!(e, "missing field `kind`");
        let e = read_str::<Inner>("{\"a\": 1,\n\"kind\": ")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod state_types;
