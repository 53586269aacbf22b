//! Collecting config errors with their key paths, and suggesting the closest valid key.

use super::ConfigError;

/// Collects every range/value error of a config, each under its full key path.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<ConfigError>,
}

/// A [`Check`] scoped to a key prefix such as `phases.loopBudget`.
#[derive(Debug)]
pub struct CheckAt<'a> {
    errors: &'a mut Vec<ConfigError>,
    prefix: String,
}

impl Check {
    /// Scopes further checks under `prefix`.
    pub fn at(&mut self, prefix: &str) -> CheckAt<'_> {
        CheckAt {
            errors: &mut self.errors,
            prefix: prefix.to_string(),
        }
    }

    /// Records an error at an absolute path.
    pub fn fail(&mut self, path: &str, message: String) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            message,
        });
    }

    /// `Ok(value)` when nothing failed, else every error.
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<ConfigError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

impl CheckAt<'_> {
    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else if key.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// Scopes further checks under `<prefix>.<sub>`.
    pub fn at(&mut self, sub: &str) -> CheckAt<'_> {
        let prefix = self.path(sub);
        CheckAt {
            errors: self.errors,
            prefix,
        }
    }

    /// Records an error at `<prefix>.<key>`.
    pub fn fail(&mut self, key: &str, message: String) {
        let path = self.path(key);
        self.errors.push(ConfigError { path, message });
    }

    /// Requires `min <= v <= max`.
    pub fn range(&mut self, key: &str, v: u64, min: u64, max: u64) {
        if v < min || v > max {
            self.fail(
                key,
                format!("must be an integer from {min} to {max}, got {v}"),
            );
        }
    }

    /// Requires a positive integer when set.
    pub fn positive(&mut self, key: &str, v: Option<u64>) {
        if v == Some(0) {
            self.fail(key, "must be a positive integer or null, got 0".into());
        }
    }

    /// Requires `0 < v <= max`.
    pub fn fraction(&mut self, key: &str, v: f64, max: f64) {
        if !(v > 0.0 && v <= max && v.is_finite()) {
            self.fail(
                key,
                format!("must be greater than 0 and at most {max}, got {v}"),
            );
        }
    }
}

/// Turns a serde error found at `path` into a [`ConfigError`] naming the key and, for an
/// unknown key, the closest valid one.
pub(crate) fn describe_serde_error(mut path: String, e: &serde_json::Error) -> ConfigError {
    let raw = e.to_string();
    let text = raw
        .split(" at line ")
        .next()
        .unwrap_or(raw.as_str())
        .to_string();
    if let Some((unknown, expected)) = parse_unknown_field(&text) {
        // Name the key itself even if the error position fell short of it.
        if !path.ends_with(&unknown) {
            path = if path.is_empty() {
                unknown.clone()
            } else {
                format!("{path}.{unknown}")
            };
        }
        let hint = match closest_key(&unknown, expected.iter().map(String::as_str)) {
            Some(k) => format!("; did you mean `{k}`?"),
            None => String::new(),
        };
        let valid = expected
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return ConfigError {
            path,
            message: format!("unknown key `{unknown}`{hint} (valid keys: {valid})"),
        };
    }
    ConfigError {
        path,
        message: text,
    }
}

/// Extracts the unknown name and the expected list from serde's `unknown field` message.
fn parse_unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (name, tail) = rest.split_once('`')?;
    let expected: Vec<String> = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((name.to_string(), expected))
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn parses_serde_unknown_field_message() {
        let (n, e) = parse_unknown_field("unknown field `x`, expected one of `a`, `bb`").unwrap();
        assert_eq!(n, "x");
        assert_eq!(e, ["a", "bb"]);
        let (_, e) = parse_unknown_field("unknown field `x`, expected `a`").unwrap();
        assert_eq!(e, ["a"]);
    }
}
