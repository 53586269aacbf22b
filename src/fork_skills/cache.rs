//! Cache-safe parameters (P7-R1 … R4): the five fields that decide whether a request can
//! reuse the parent's prompt cache, their comparison by field name, and the cache-hit judgement
//! of internal jobs.

use crate::json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Below this hit rate a cache-safe job counts as a cache break.
#[cfg(test)]
pub const LOW_CACHE_HIT_RATE: f64 = 0.5;
/// Smaller jobs are not judged (tokens).
#[cfg(test)]
pub const LOW_CACHE_MIN_INPUT: u64 = 4_096;

/// The five cache-relevant fields of one request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CacheSafeParams {
    /// The system prompt without the attributable system context.
    pub system_prompt: String,
    /// Context placed ahead of the conversation in the user turn.
    pub user_context: String,
    /// Context added to the system prompt.
    pub system_context: String,
    /// Tool definitions in order, `provider/model`, reasoning settings, max-output override.
    pub tool_use_context: Value,
    /// The conversation as last sent.
    pub fork_prefix: Vec<Value>,
}

/// Field names in the order of P7-R1.
pub const FIELDS: [&str; 5] = [
    "systemPrompt",
    "userContext",
    "systemContext",
    "toolUseContext",
    "forkPrefix",
];

/// The `toolUseContext` field from its parts (a max-output override counts as a change).
pub fn tool_use_context(
    tools: &[Value],
    provider: Option<&str>,
    model: Option<&str>,
    reasoning: Option<&str>,
    max_output: Option<u64>,
) -> Value {
    json!({
        "tools": tools,
        "model": format!("{}/{}", provider.unwrap_or("?"), model.unwrap_or("?")),
        "reasoning": reasoning,
        "maxOutputTokens": max_output,
    })
}

/// Canonical JSON (sorted keys) so key order never changes a comparison or a key.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            crate::sorted::sort(&mut keys);
            let inner: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap_or_default(),
                        canonical(m.get(*k).unwrap_or(&Value::Null))
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

impl CacheSafeParams {
    /// `cacheKey`: first 16 hex chars of SHA-256 over the canonical JSON of fields 1–4.
    pub fn cache_key(&self) -> String {
        let v = json!({
            "systemPrompt": self.system_prompt,
            "userContext": self.user_context,
            "systemContext": self.system_context,
            "toolUseContext": self.tool_use_context,
        });
        crate::hash::sha256_hex_prefix(canonical(&v).as_bytes(), 8)
    }

    /// The fields in which `child` differs from `self` (the parent), by P7-R1 name. The
    /// fork prefix matches when the child's conversation starts with the parent's.
    pub fn differing_fields(&self, child: &CacheSafeParams) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.system_prompt != child.system_prompt {
            out.push(FIELDS[0]);
        }
        if self.user_context != child.user_context {
            out.push(FIELDS[1]);
        }
        if self.system_context != child.system_context {
            out.push(FIELDS[2]);
        }
        if canonical(&self.tool_use_context) != canonical(&child.tool_use_context) {
            out.push(FIELDS[3]);
        }
        let prefix_ok = child.fork_prefix.len() >= self.fork_prefix.len()
            && self
                .fork_prefix
                .iter()
                .zip(child.fork_prefix.iter())
                .all(|(a, b)| canonical(a) == canonical(b));
        if !prefix_ok {
            out.push(FIELDS[4]);
        }
        out
    }
}

/// P7-R4: whether a cache-safe job's usage shows a cache break (`Some(rate)`), or is fine or
/// too small to judge (`None`). Not wired to a hook yet: only its tests use it.
#[cfg(test)]
pub fn low_hit_rate(input: u64, cache_read: u64, cache_write: u64) -> Option<f64> {
    let total = input.saturating_add(cache_read).saturating_add(cache_write);
    if total < LOW_CACHE_MIN_INPUT {
        return None;
    }
    let rate = cache_read as f64 / total as f64;
    (rate < LOW_CACHE_HIT_RATE).then_some(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> CacheSafeParams {
        CacheSafeParams {
            system_prompt: "You are helpful.".into(),
            user_context: "ctx".into(),
            system_context: "sys".into(),
            tool_use_context: tool_use_context(
                &[json!({"name": "exec"}), json!({"name": "read"})],
                Some("p"),
                Some("m"),
                Some("low"),
                None,
            ),
            fork_prefix: vec![json!({"role": "user", "content": "hi"})],
        }
    }

    #[test]
    fn p7_t23_each_field_is_reported_alone() {
        let p = base();
        assert!(p.differing_fields(&p.clone()).is_empty());
        let mut c = p.clone();
        c.system_prompt.push('!');
        assert_eq!(p.differing_fields(&c), vec!["systemPrompt"]);
        let mut c = p.clone();
        c.user_context = "other".into();
        assert_eq!(p.differing_fields(&c), vec!["userContext"]);
        let mut c = p.clone();
        c.system_context = "other".into();
        assert_eq!(p.differing_fields(&c), vec!["systemContext"]);
        let mut c = p.clone();
        c.tool_use_context = tool_use_context(
            &[json!({"name": "read"}), json!({"name": "exec"})],
            Some("p"),
            Some("m"),
            Some("low"),
            None,
        );
        assert_eq!(
            p.differing_fields(&c),
            vec!["toolUseContext"],
            "tool order matters"
        );
        let mut c = p.clone();
        c.tool_use_context = tool_use_context(
            &[json!({"name": "exec"}), json!({"name": "read"})],
            Some("p"),
            Some("m"),
            Some("low"),
            Some(4096),
        );
        assert_eq!(
            p.differing_fields(&c),
            vec!["toolUseContext"],
            "a max-output override is a change"
        );
        let mut c = p.clone();
        c.fork_prefix = vec![json!({"role": "user", "content": "hello"})];
        assert_eq!(p.differing_fields(&c), vec!["forkPrefix"]);
        // Appending after the prefix is cache-safe (P7-R3).
        let mut c = p.clone();
        c.fork_prefix
            .push(json!({"role": "user", "content": "agent-ops:job=session_notes"}));
        assert!(p.differing_fields(&c).is_empty());
    }

    #[test]
    fn cache_key_ignores_key_order_and_the_prefix() {
        let p = base();
        let mut c = p.clone();
        c.fork_prefix
            .push(json!({"role": "assistant", "content": "x"}));
        assert_eq!(p.cache_key(), c.cache_key());
        assert_eq!(p.cache_key().len(), 16);
        assert_eq!(
            canonical(&json!({"b": 1, "a": [2, {"d": 3, "c": 4}]})),
            r#"{"a":[2,{"c":4,"d":3}],"b":1}"#
        );
    }

    #[test]
    fn p7_t3_t4_hit_rates() {
        assert_eq!(low_hit_rate(500, 9_000, 500), None);
        let r = low_hit_rate(9_000, 500, 0).unwrap();
        assert!((r - 500.0 / 9_500.0).abs() < 1e-9);
        assert_eq!(low_hit_rate(1_000, 0, 0), None, "too small to judge");
    }
}
