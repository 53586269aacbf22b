//! Running on a config with errors: every invalid key falls back to its default (issue 17
//! item 3).
//!
//! OpenClaw accepts any plugin config (the manifest schema is permissive, see
//! [`super::config_json_schema`]), so a typo reaches the core instead of stopping the gateway
//! with advice (`openclaw doctor --fix`) that deletes the config and disables the plugin. The
//! core then reports every error by key path and closest key, and runs with the default of
//! each key it could not use. The defaults are the safe ones: phase 4 stays on unless its
//! `enabled` key is itself a valid `false`.

use super::{parse_config_value, Config, ConfigError};
use serde_json::Value;

/// Rounds of "parse, drop the offending key, parse again" before giving up and using the
/// defaults of everything; each round drops at least one key, so a config with more errors
/// than this is implausible.
const MAX_ROUNDS: usize = 256;

/// Parses a config, replacing every invalid key by its default.
///
/// Returns the config to run with and every error found, each under its full key path (an
/// unknown key also names the closest valid one). No errors means the config was used as
/// written. A value that is not an object (or `null`) yields the defaults and one error.
pub fn parse_config_lenient(value: Value) -> (Config, Vec<ConfigError>) {
    let mut value = value;
    let mut errors: Vec<ConfigError> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        match parse_config_value(value.clone()) {
            Ok(config) => return (config, errors),
            Err(found) => {
                let mut removed_any = false;
                for e in found {
                    removed_any |= remove_path(&mut value, &e.path);
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
                if !removed_any {
                    // Nothing below the root could be dropped (the root itself is wrong).
                    value = Value::Object(serde_json::Map::new());
                }
            }
        }
    }
    (Config::default(), errors)
}

/// One step of a key path: an object key or an array index.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into steps. Keys that contain `.` or `[` cannot be told apart from a
/// nested path; removing their parent instead is still safe (it falls back to defaults).
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (part.get(..i).unwrap_or(""), part.get(i..).unwrap_or("")),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        while let Some(tail) = rest.strip_prefix('[') {
            let Some((num, after)) = tail.split_once(']') else {
                break;
            };
            match num.parse() {
                Ok(n) => out.push(Step::Index(n)),
                Err(_) => break,
            }
            rest = after;
        }
    }
    out
}

/// Removes the value at `path` (or, when it is not there, the nearest ancestor that is).
/// Returns false when only the root was left to remove.
fn remove_path(root: &mut Value, path: &str) -> bool {
    let mut steps = steps(path);
    while !steps.is_empty() {
        if remove_exact(root, &steps) {
            return true;
        }
        steps.pop();
    }
    false
}

fn remove_exact(root: &mut Value, steps: &[Step]) -> bool {
    let Some((last, parents)) = steps.split_last() else {
        return false;
    };
    let mut cur = root;
    for s in parents {
        let next = match (s, cur) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k),
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match (last, cur) {
        (Step::Key(k), Value::Object(m)) => m.remove(k).is_some(),
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_paths_with_indices() {
        assert_eq!(
            steps("a.b[2].c"),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(2),
                Step::Key("c".into())
            ]
        );
        assert!(steps("").is_empty());
    }

    #[test]
    fn removes_the_key_or_its_nearest_ancestor() {
        let mut v = json!({"a": {"b": [1, 2, 3]}});
        assert!(remove_path(&mut v, "a.b[1]"));
        assert_eq!(v, json!({"a": {"b": [1, 3]}}));
        assert!(remove_path(&mut v, "a.b.x"));
        assert_eq!(v, json!({"a": {}}));
        assert!(remove_path(&mut v, "a.zz.q"));
        assert_eq!(v, json!({}));
        assert!(!remove_path(&mut v, ""));
    }
}
