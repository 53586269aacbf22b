//! Reading the plugin config from a JSON value, by hand (README G-R3, issue 16).
//!
//! serde's derived `Deserialize` for the ~40 config types, instantiated for serde_json's text
//! reader, was about 37 KB of the gzipped plugin, more than any phase. This reader walks a
//! [`serde_json::Value`] instead and keeps the derive's behaviour operators see: the same
//! accepted values, the same error texts (serde's own `invalid type: …, expected …`,
//! `unknown variant …`, `missing field …`), the first error in key order, and for an unknown
//! key the full key path, the closest valid key and the valid keys in declaration order.
//! Two forms the derive also took are refused: a struct written as an array of its fields
//! (`"repeat": [3, 5, 4]`) and an enum written as a one-key object (`{"ask": null}`).
//!
//! Adding a setting is one line in its struct's [`read_struct!`] list (a test compares every
//! list with the keys `Serialize` writes, so a forgotten line fails).

use super::ConfigError;
use serde::de::{Error as _, Unexpected};
use serde_json::Value;

/// Where a value sits in the config: keys and indices from the root, made into a dotted path
/// (`phases.bashSecurity.rules.allow[2]`) only when an error needs it.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    /// The config itself.
    Root,
    /// The value of `key` in the object at the first field.
    Key(&'a At<'a>, &'a str),
    /// Element `index` of the array at the first field.
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// The dotted key path.
    pub fn path(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => {
                let mut p = parent.path();
                if !p.is_empty() {
                    p.push('.');
                }
                p.push_str(key);
                p
            }
            At::Index(parent, i) => format!("{}[{i}]", parent.path()),
        }
    }

    /// An error at this path.
    pub fn error(&self, message: String) -> ConfigError {
        ConfigError {
            path: self.path(),
            message,
        }
    }

    /// serde's "invalid type: X, expected Y" for `v` here.
    #[inline(never)]
    pub fn invalid_type(&self, v: &Value, expected: &str) -> ConfigError {
        self.error(
            serde_json::Error::invalid_type(crate::json::unexpected(v), &expected).to_string(),
        )
    }
}

/// A config value read from JSON.
pub trait ReadJson: Sized {
    /// Reads `v`, found at `at`; the first problem is returned under its key path.
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError>;
}

impl ReadJson for bool {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        v.as_bool().ok_or_else(|| at.invalid_type(v, "a boolean"))
    }
}

impl ReadJson for u64 {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Ok(u),
                (None, Some(i)) => Err(at.error(
                    serde_json::Error::invalid_value(Unexpected::Signed(i), &"u64").to_string(),
                )),
                (None, None) => Err(at.invalid_type(v, "u64")),
            },
            _ => Err(at.invalid_type(v, "u64")),
        }
    }
}

impl ReadJson for f64 {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match v {
            Value::Number(n) => n.as_f64().ok_or_else(|| at.invalid_type(v, "f64")),
            _ => Err(at.invalid_type(v, "f64")),
        }
    }
}

impl ReadJson for String {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(at.invalid_type(v, "a string")),
        }
    }
}

impl<T: ReadJson> ReadJson for Option<T> {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        match v {
            Value::Null => Ok(None),
            _ => T::read_json(v, at).map(Some),
        }
    }
}

impl<T: ReadJson> ReadJson for Vec<T> {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        let Value::Array(items) = v else {
            return Err(at.invalid_type(v, "a sequence"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            out.push(T::read_json(x, &At::Index(at, i))?);
        }
        Ok(out)
    }
}

impl<T: ReadJson> ReadJson for crate::sorted::SortedMap<String, T> {
    fn read_json(v: &Value, at: &At<'_>) -> Result<Self, ConfigError> {
        let Value::Object(m) = v else {
            return Err(at.invalid_type(v, "a map"));
        };
        let mut out = Self::new();
        for (k, x) in m {
            out.insert(k.clone(), T::read_json(x, &At::Key(at, k))?);
        }
        Ok(out)
    }
}

/// The entries of a struct's object, or serde's "expected struct NAME" error.
pub fn struct_entries<'v>(
    v: &'v Value,
    at: &At<'_>,
    name: &str,
) -> Result<&'v serde_json::Map<String, Value>, ConfigError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(at.invalid_type(v, &format!("struct {name}"))),
    }
}

/// The error for a key that `keys` (a struct's keys in declaration order) does not have: the
/// closest valid key, if one is plausible, and every valid key.
#[inline(never)]
pub fn unknown_key(at: &At<'_>, key: &str, keys: &[&str]) -> ConfigError {
    let hint = match closest_key(key, keys.iter().copied()) {
        Some(k) => format!("; did you mean `{k}`?"),
        None => String::new(),
    };
    let valid = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    at.error(format!("unknown key `{key}`{hint} (valid keys: {valid})"))
}

/// The candidate closest to `key` by edit distance (case-insensitive), if any is close enough
/// to be a plausible typo, or one contains the other.
pub fn closest_key<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let k = key.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let cl = c.to_ascii_lowercase();
        let mut d = edit_distance(&k, &cl);
        if cl.starts_with(&k) || k.starts_with(&cl) {
            d = d.min(2);
        }
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (key.chars().count() / 2).max(2);
    (d <= limit).then(|| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX / 2) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(usize::MAX / 2) + 1;
            let ins = cur.get(j).copied().unwrap_or(usize::MAX / 2) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// serde's "missing field" error for a required key of the object at `at`.
pub fn missing_field(at: &At<'_>, key: &'static str) -> ConfigError {
    at.error(serde_json::Error::missing_field(key).to_string())
}

/// Reads a unit enum given as one of `names`; returns the index of the name.
#[inline(never)]
pub fn enum_index(
    v: &Value,
    at: &At<'_>,
    names: &'static [&'static str],
) -> Result<usize, ConfigError> {
    match v {
        Value::String(s) => names
            .iter()
            .position(|n| n == s)
            .ok_or_else(|| at.error(serde_json::Error::unknown_variant(s, names).to_string())),
        // serde_json's text reader says only this when an enum is neither a string nor an
        // object, and operators have seen it since the first release.
        _ => Err(at.error("expected value".into())),
    }
}

/// `ReadJson` for a struct whose every key is optional (`#[serde(default)]`): one line per
/// key, `"jsonKey" => field`, in declaration order. The struct must implement `Default`.
macro_rules! read_struct {
    ($t:ident { $($key:literal => $field:ident),+ $(,)? }) => {
        impl $crate::settings::ReadJson for $t {
            fn read_json(
                v: &serde_json::Value,
                at: &$crate::settings::At<'_>,
            ) -> Result<Self, $crate::settings::ConfigError> {
                const KEYS: &[&str] = &[$($key),+];
                let mut out = <$t as Default>::default();
                for (k, x) in $crate::settings::struct_entries(v, at, stringify!($t))? {
                    let here = $crate::settings::At::Key(at, k);
                    match k.as_str() {
                        $($key => out.$field = $crate::settings::ReadJson::read_json(x, &here)?,)+
                        _ => return Err($crate::settings::unknown_key(&here, k, KEYS)),
                    }
                }
                Ok(out)
            }
        }
    };
}

/// `ReadJson` for a unit enum: one `Variant = "name"` per variant, the names `Serialize`
/// writes.
macro_rules! read_enum {
    ($($t:ident { $($v:ident = $s:literal),+ $(,)? })+) => {$(
        impl $crate::settings::ReadJson for $t {
            fn read_json(
                v: &serde_json::Value,
                at: &$crate::settings::At<'_>,
            ) -> Result<Self, $crate::settings::ConfigError> {
                const NAMES: &[&str] = &[$($s),+];
                const VALUES: &[$t] = &[$($t::$v),+];
                let i = $crate::settings::enum_index(v, at, NAMES)?;
                // `enum_index` only returns indices of `NAMES`, which `VALUES` matches.
                VALUES
                    .get(i)
                    .copied()
                    .ok_or_else(|| at.error("variant index out of range".into()))
            }
        }
    )+};
}

pub(crate) use {read_enum, read_struct};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalar_errors_are_serdes_texts() {
        let at = At::Root;
        let k = At::Key(&at, "a");
        let e = |r: Result<u64, ConfigError>| r.unwrap_err().message;
        assert_eq!(
            e(u64::read_json(&json!("x"), &k)),
            "invalid type: string \"x\", expected u64"
        );
        assert_eq!(
            e(u64::read_json(&json!(-1), &k)),
            "invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            e(u64::read_json(&json!(1.5), &k)),
            "invalid type: floating point `1.5`, expected u64"
        );
        assert_eq!(
            e(u64::read_json(&json!(2.0), &k)),
            "invalid type: floating point `2.0`, expected u64"
        );
        assert_eq!(
            bool::read_json(&json!(null), &k).unwrap_err().message,
            "invalid type: null, expected a boolean"
        );
        assert_eq!(f64::read_json(&json!(3), &k).unwrap(), 3.0);
        assert_eq!(
            Vec::<String>::read_json(&json!(["a", 1]), &k).unwrap_err(),
            ConfigError {
                path: "a[1]".into(),
                message: "invalid type: integer `1`, expected a string".into()
            }
        );
        assert_eq!(Option::<u64>::read_json(&json!(null), &k).unwrap(), None);
        let e = enum_index(&json!("c"), &k, &["a", "b", "x"]).unwrap_err();
        assert_eq!(
            e.message,
            "unknown variant `c`, expected one of `a`, `b`, `x`"
        );
        let e = enum_index(&json!("c"), &k, &["a", "b"]).unwrap_err();
        assert_eq!(e.message, "unknown variant `c`, expected `a` or `b`");
        assert_eq!(
            enum_index(&json!(1), &k, &["a"]).unwrap_err().message,
            "expected value"
        );
        let e = unknown_key(&At::Key(&k, "enabld"), "enabld", &["enabled", "x"]);
        assert_eq!(e.path, "a.enabld");
        assert_eq!(
            e.message,
            "unknown key `enabld`; did you mean `enabled`? (valid keys: `enabled`, `x`)"
        );
        assert_eq!(At::Key(&At::Index(&k, 2), "").path(), "a[2].");
    }

    #[test]
    fn closest_key_finds_typos_and_prefixes() {
        let keys = ["maxModelCallsPerRun", "maxToolCallsPerRun", "repeat"];
        assert_eq!(
            closest_key("maxToolCalls", keys.iter().copied()).as_deref(),
            Some("maxToolCallsPerRun")
        );
        assert_eq!(
            closest_key("repaet", keys.iter().copied()).as_deref(),
            Some("repeat")
        );
        assert_eq!(closest_key("zzzzzzzzzz", keys.iter().copied()), None);
    }
}
