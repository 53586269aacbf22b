//! `json!`: serde_json's `json!` syntax with less code per object key.
//!
//! serde_json's macro expands every key of an object literal into its own `String` allocation,
//! `Map::insert` call and drop of the returned `Option<Value>`, inline at the call site; the
//! crate has about 700 such keys (hook replies, journal records, CLI reports), several dozen
//! bytes of wasm each. This macro builds an object literal as a slice of `(&str, Value)` pairs
//! and inserts them in one shared function, [`object`]. The result is the same `Value`:
//! keys in the same map (a later duplicate key replaces an earlier one, as with `insert`),
//! values converted with `serde_json::to_value`. README G-R3 (plugin size).

use serde::Serialize;
use serde_json::{Map, Value};

/// Builds a JSON object from `(key, value)` pairs, in order; a repeated key keeps its last
/// value. The values are taken out of the slice (left `Null`, which owns nothing), so `json!`
/// passes its array in a `ManuallyDrop` and no call site carries drop code for it.
#[doc(hidden)]
#[inline(never)]
pub fn object(entries: &mut [(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, v) in entries.iter_mut() {
        m.insert((*k).to_owned(), std::mem::take(v));
    }
    Value::Object(m)
}

/// `serde_json::to_value`, with `Null` where serde_json's `json!` would panic (a map with
/// keys that are not strings, a failing `Serialize` impl; the crate has neither).
#[doc(hidden)]
#[inline]
pub fn to_value<T: Serialize + ?Sized>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A JSON value from JSON-like syntax, as serde_json's `json!`: `null`, arrays `[..]`,
/// objects `{ "key": value, .. }` (keys are string literals or parenthesised `&str`
/// expressions), and any other expression through `serde_json::to_value`.
#[macro_export]
macro_rules! json {
    // The `(key, value)` pairs of an object literal; a value's tokens run to the next
    // top-level comma or the end.
    (@entries [$($out:tt)*]) => { [$($out)*] };
    (@entries [$($out:tt)*] $k:literal : $($rest:tt)+) => {
        $crate::json!(@value [$($out)*] ($k) [] $($rest)+)
    };
    (@entries [$($out:tt)*] ($k:expr) : $($rest:tt)+) => {
        $crate::json!(@value [$($out)*] ($k) [] $($rest)+)
    };
    (@value [$($out:tt)*] ($k:expr) [$($v:tt)+] , $($rest:tt)*) => {
        $crate::json!(@entries [$($out)* ($k, $crate::json!($($v)+)),] $($rest)*)
    };
    (@value [$($out:tt)*] ($k:expr) [$($v:tt)+]) => {
        [$($out)* ($k, $crate::json!($($v)+)),]
    };
    (@value [$($out:tt)*] ($k:expr) [$($v:tt)*] $t:tt $($rest:tt)*) => {
        $crate::json!(@value [$($out)*] ($k) [$($v)* $t] $($rest)*)
    };
    // The elements of an array literal.
    (@elements [$($out:tt)*] [$($v:tt)+] , $($rest:tt)*) => {
        $crate::json!(@elements [$($out)* $crate::json!($($v)+),] [] $($rest)*)
    };
    (@elements [$($out:tt)*] [$($v:tt)+]) => { ::std::vec![$($out)* $crate::json!($($v)+)] };
    (@elements [$($out:tt)*] []) => { ::std::vec![$($out)*] };
    (@elements [$($out:tt)*] [$($v:tt)*] $t:tt $($rest:tt)*) => {
        $crate::json!(@elements [$($out)*] [$($v)* $t] $($rest)*)
    };
    (null) => { ::serde_json::Value::Null };
    ([]) => { ::serde_json::Value::Array(::std::vec::Vec::new()) };
    ([ $($tt:tt)+ ]) => { ::serde_json::Value::Array($crate::json!(@elements [] [] $($tt)+)) };
    ({}) => { ::serde_json::Value::Object(::serde_json::Map::new()) };
    ({ $($tt:tt)+ }) => {
        $crate::json::build::object(&mut *::std::mem::ManuallyDrop::new(
            $crate::json!(@entries [] $($tt)+),
        ))
    };
    ($e:expr) => { $crate::json::build::to_value(&$e) };
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[derive(serde::Serialize)]
    struct Rec {
        a: u32,
        b: Option<String>,
    }

    /// Every form the crate uses, and the edge cases of the syntax, give serde_json's value.
    #[test]
    fn same_values_as_serde_json() {
        let n = 7u64;
        let s = String::from("x");
        let key = String::from("dyn");
        let list = [1, 2, 3];
        let cases: Vec<(Value, Value)> = vec![
            (crate::json!(null), serde_json::json!(null)),
            (crate::json!(true), serde_json::json!(true)),
            (crate::json!(1.5), serde_json::json!(1.5)),
            (crate::json!("t"), serde_json::json!("t")),
            (crate::json!([]), serde_json::json!([])),
            (crate::json!({}), serde_json::json!({})),
            (
                crate::json!([1, "a", null, [], {}]),
                serde_json::json!([1, "a", null, [], {}]),
            ),
            (
                crate::json!([n + 1, s.clone(),]),
                serde_json::json!([n + 1, s.clone(),]),
            ),
            (
                crate::json!({ "a": 1, "b": { "c": [true, { "d": null }] }, "e": s, }),
                serde_json::json!({ "a": 1, "b": { "c": [true, { "d": null }] }, "e": s, }),
            ),
            (
                crate::json!({ "n": n as f64 * 2.0, "m": list.iter().map(|x| x * 2).collect::<Vec<_>>(), "o": Some(3), "p": None::<u8> }),
                serde_json::json!({ "n": n as f64 * 2.0, "m": list.iter().map(|x| x * 2).collect::<Vec<_>>(), "o": Some(3), "p": None::<u8> }),
            ),
            (
                crate::json!({ "r": Rec { a: 1, b: None }, "q": [Rec { a: 2, b: Some("y".into()) }] }),
                serde_json::json!({ "r": Rec { a: 1, b: None }, "q": [Rec { a: 2, b: Some("y".into()) }] }),
            ),
            (
                crate::json!({ (key.as_str()): 1, "k": if n > 3 { "big" } else { "small" } }),
                serde_json::json!({ key.as_str(): 1, "k": if n > 3 { "big" } else { "small" } }),
            ),
            // A repeated key keeps its last value, as `Map::insert` does.
            (
                crate::json!({ "a": 1, "b": 2, "a": 3 }),
                serde_json::json!({ "a": 1, "b": 2, "a": 3 }),
            ),
        ];
        for (ours, theirs) in cases {
            assert_eq!(ours, theirs);
            assert_eq!(ours.to_string(), theirs.to_string());
        }
    }

    /// serde_json's `json!` panics where `to_value` fails (a map keyed by something that is
    /// not a string); ours gives `null` instead.
    #[test]
    fn a_value_that_cannot_be_json_is_null() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1u8], 1);
        assert_eq!(crate::json!({ "m": m }), serde_json::json!({ "m": null }));
    }
}
