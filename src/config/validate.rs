//! Turning serde errors into config errors with their key paths, and suggesting the closest
//! valid key (the collection itself, `Check`/`CheckAt`, is in `crate::settings`).

use super::ConfigError;

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
