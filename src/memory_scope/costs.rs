//! Cost attribution (P5-R24, R25): one record per model usage event in
//! `<stateDir>/costs/YYYY-MM-DD.jsonl`, and the totals `/memory` and `agent-ops memory cost`
//! print.

use super::recall::{cache_hit_rate, cost_usd, Price};
use crate::contract::{JobUsage, ModelInfo};
use crate::host::{join_path, Host, HostError};
use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Record layout version.
pub const COST_VERSION: u32 = 1;

/// One model usage event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostRecord {
    /// Layout version.
    pub v: u32,
    /// When (ms).
    pub at: i64,
    /// Session key.
    pub session_key: Option<String>,
    /// Agent id.
    pub agent_id: Option<String>,
    /// Run id.
    pub run_id: Option<String>,
    /// `main`, `subagent`, `compaction`, `session_notes`, `memory_extract`, `relevance`, `skillify`.
    pub purpose: String,
    /// Provider.
    pub provider: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// `main` or `fast`.
    pub tier: String,
    /// Input tokens (cache excluded).
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Cached prompt tokens read.
    pub cache_read_tokens: Option<u64>,
    /// Prompt tokens written to the cache.
    pub cache_write_tokens: Option<u64>,
    /// Cost, when the model entry has a cost table.
    pub cost_usd: Option<f64>,
    /// Duration, when known.
    pub duration_ms: Option<u64>,
    /// `cacheRead / (input + cacheWrite + cacheRead)`.
    pub cache_hit_rate: Option<f64>,
    /// Whether the call was built cache-safe (internal jobs).
    pub cache_safe: Option<bool>,
    /// Memory scope an internal memory job worked on (`user`, `project`, `local`, or
    /// `session` for session notes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `fork` for a forked worker's usage (phase 7 P7-R4a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_label: Option<String>,
}

crate::json::read::json_struct!(CostRecord {
    "v" => v: req,
    "at" => at: req,
    "sessionKey" => session_key: opt,
    "agentId" => agent_id: opt,
    "runId" => run_id: opt,
    "purpose" => purpose: req,
    "provider" => provider: opt,
    "model" => model: opt,
    "tier" => tier: req,
    "inputTokens" => input_tokens: opt,
    "outputTokens" => output_tokens: opt,
    "cacheReadTokens" => cache_read_tokens: opt,
    "cacheWriteTokens" => cache_write_tokens: opt,
    "costUsd" => cost_usd: opt,
    "durationMs" => duration_ms: opt,
    "cacheHitRate" => cache_hit_rate: opt,
    "cacheSafe" => cache_safe: opt,
    "scope" => scope: opt,
    "forkLabel" => fork_label: opt,
});

fn count(u: &Value, key: &str) -> Option<u64> {
    u.get(key).and_then(Value::as_u64)
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
}

/// The price of `model` in OpenClaw's model table: the entry with that id (and that provider,
/// when known) that has a `cost` table.
pub fn price_of(
    models: &[ModelInfo],
    provider: Option<&str>,
    model: Option<&str>,
) -> Option<Price> {
    let entry = models
        .iter()
        .find(|m| Some(m.id.as_str()) == model && provider.is_none_or(|p| m.provider == p))?;
    entry.cost.map(|c| Price {
        input: c.input,
        output: c.output,
        cache_read: c.cache_read,
        cache_write: c.cache_write,
    })
}

/// The record of an `llm_output` event (main or subagent run). Negative or non-numeric usage
/// values are recorded as null (P5-R31).
pub fn from_llm_output(
    event: &Value,
    ctx: &Value,
    models: &[ModelInfo],
    now_ms: i64,
) -> CostRecord {
    let usage = event.get("usage").unwrap_or(&Value::Null);
    let (input, output, cr, cw) = (
        count(usage, "input"),
        count(usage, "output"),
        count(usage, "cacheRead"),
        count(usage, "cacheWrite"),
    );
    let provider = s(event, "provider").or_else(|| s(ctx, "modelProviderId"));
    let model = s(event, "model").or_else(|| s(ctx, "modelId"));
    let cost = price_of(models, provider.as_deref(), model.as_deref()).map(|p| {
        cost_usd(
            &p,
            input.unwrap_or(0),
            output.unwrap_or(0),
            cr.unwrap_or(0),
            cw.unwrap_or(0),
        )
    });
    let key = s(ctx, "sessionKey");
    CostRecord {
        v: COST_VERSION,
        at: now_ms,
        purpose: if key.as_deref().is_some_and(|k| k.contains(":subagent:")) {
            "subagent".into()
        } else {
            "main".into()
        },
        session_key: key,
        agent_id: s(ctx, "agentId"),
        run_id: s(event, "runId").or_else(|| s(ctx, "runId")),
        provider,
        model,
        tier: "main".into(),
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cr,
        cache_write_tokens: cw,
        cost_usd: cost,
        duration_ms: None,
        cache_hit_rate: cache_hit_rate(input.unwrap_or(0), cr.unwrap_or(0), cw.unwrap_or(0)),
        cache_safe: None,
        scope: None,
        fork_label: None,
    }
}

/// The record of one internal job's usage (P5-R24): attributed to its purpose and scope,
/// never cache-safe; a job whose model has no cost table keeps the dollars the host reported
/// (when not negative).
pub fn from_job_usage(u: &JobUsage, models: &[ModelInfo], now_ms: i64) -> CostRecord {
    let nonempty = |v: &Option<String>| v.clone().filter(|x| !x.is_empty());
    let provider = nonempty(&u.provider);
    let model = nonempty(&u.model);
    let price = price_of(models, provider.as_deref(), model.as_deref());
    let cost = price.map(|p| {
        cost_usd(
            &p,
            u.input.unwrap_or(0),
            u.output.unwrap_or(0),
            u.cache_read.unwrap_or(0),
            u.cache_write.unwrap_or(0),
        )
    });
    CostRecord {
        v: COST_VERSION,
        at: now_ms,
        purpose: u.purpose.clone(),
        session_key: Some(u.session_key.clone()).filter(|k| !k.is_empty()),
        agent_id: Some(u.agent_id.clone()).filter(|a| !a.is_empty()),
        run_id: None,
        provider,
        model,
        tier: "main".into(),
        input_tokens: u.input,
        output_tokens: u.output,
        cache_read_tokens: u.cache_read,
        cache_write_tokens: u.cache_write,
        cost_usd: cost.or(u.cost_usd.filter(|c| *c >= 0.0)),
        duration_ms: None,
        cache_hit_rate: cache_hit_rate(
            u.input.unwrap_or(0),
            u.cache_read.unwrap_or(0),
            u.cache_write.unwrap_or(0),
        ),
        cache_safe: Some(false),
        scope: Some(u.scope.clone()),
        fork_label: None,
    }
}

/// `<stateDir>/costs/YYYY-MM-DD.jsonl`.
pub fn ledger_path(state_dir: &str, at_ms: i64) -> String {
    join_path(
        &join_path(state_dir, "costs"),
        &format!("{}.jsonl", crate::calendar::utc_date(at_ms)),
    )
}

/// P5-R30: days of cost journal kept.
pub const RETENTION_DAYS: i64 = 90;

/// P5-R30: removes the daily cost journals (`costs/YYYY-MM-DD.jsonl`) older than
/// [`RETENTION_DAYS`] before `now_ms`. Other files in the directory are left alone.
/// Returns how many were removed.
pub fn prune(host: &dyn Host, state_dir: &str, now_ms: i64) -> usize {
    let dir = join_path(state_dir, "costs");
    let Ok(list) = host.fs_list(&dir, 10_000) else {
        return 0;
    };
    let oldest_kept = crate::calendar::utc_date(now_ms - RETENTION_DAYS * 86_400_000);
    let mut removed = 0;
    for e in list.entries {
        let Some(day) = e.name.strip_suffix(".jsonl") else {
            continue;
        };
        let is_day = day.len() == 10
            && day.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        // ISO dates compare as text in date order.
        if is_day && day < oldest_kept.as_str() && host.fs_remove(&join_path(&dir, &e.name)).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Appends one record.
pub fn append(host: &dyn Host, state_dir: &str, r: &CostRecord) -> Result<(), HostError> {
    let line = serde_json::to_string(r).unwrap_or_default();
    host.fs_append_line(&ledger_path(state_dir, r.at), &line, false)
}

/// Records of the last `days` days (today = 1), optionally of one session.
pub fn read(
    host: &dyn Host,
    state_dir: &str,
    now_ms: i64,
    days: i64,
    session: Option<&str>,
) -> Vec<CostRecord> {
    let mut out = Vec::new();
    for d in 0..days.max(1) {
        let path = ledger_path(state_dir, now_ms - d * 86_400_000);
        let Ok(bytes) = host.fs_read(&path, 64 * 1024 * 1024) else {
            continue;
        };
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Ok(r) = crate::json::read_str::<CostRecord>(line) {
                if session.is_none_or(|k| r.session_key.as_deref() == Some(k)) {
                    out.push(r);
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct Totals {
    calls: u64,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
    cost: Option<f64>,
}

/// P5-R25: totals grouped by purpose and model, with cache hit rates.
pub fn report(records: &[CostRecord], title: &str) -> String {
    let mut groups: SortedMap<(String, String), Totals> = SortedMap::new();
    for r in records {
        let model = format!(
            "{}/{}",
            r.provider.as_deref().unwrap_or("?"),
            r.model.as_deref().unwrap_or("?")
        );
        let label = match &r.scope {
            Some(sc) => format!("{} ({sc} scope)", r.purpose),
            None => r.purpose.clone(),
        };
        let t = groups.entry((label, model)).or_default();
        t.calls += 1;
        t.input += r.input_tokens.unwrap_or(0);
        t.output += r.output_tokens.unwrap_or(0);
        t.cache_read += r.cache_read_tokens.unwrap_or(0);
        t.cache_write += r.cache_write_tokens.unwrap_or(0);
        if let Some(c) = r.cost_usd {
            t.cost = Some(t.cost.unwrap_or(0.0) + c);
        }
    }
    let mut out = format!(
        "agent-ops costs ({title}): {} model usage record(s)\n",
        records.len()
    );
    for ((purpose, model), t) in &groups {
        let rate = cache_hit_rate(t.input, t.cache_read, t.cache_write)
            .map_or_else(|| "n/a".to_string(), |r| format!("{:.0}%", r * 100.0));
        let cost = t
            .cost
            .map_or_else(|| "cost unknown".to_string(), |c| format!("${c:.4}"));
        out.push_str(&format!(
            "- {purpose} on {model}: {} call(s), input {}, output {}, cache read {}, cache write {}, cache hit {rate}, {cost}\n",
            t.calls, t.input, t.output, t.cache_read, t.cache_write
        ));
    }
    if groups.is_empty() {
        out.push_str("- nothing recorded yet\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ModelCost;
    use crate::host::{HostDirs, MemoryHost};
    use serde_json::json;

    #[test]
    fn g_r17_a_torn_cost_journal_line_never_swallows_an_append() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let r = from_llm_output(
            &json!({"runId": "r", "usage": {"input": 10, "output": 1}}),
            &json!({"sessionKey": "agent:main:x", "agentId": "main"}),
            &[],
            0,
        );
        let path = ledger_path("/s", 0);
        h.put_file(&path, b"{\"at\":0}\n{\"at\":0,\"inp");
        let scoper = crate::memory_scope::engine::MemoryScoper::default();
        scoper.append_cost(&h, "/s", &r).unwrap();
        scoper.append_cost(&h, "/s", &r).unwrap();
        // The torn line is kept byte for byte as a line of its own (the first append
        // terminated it; a cut or an overwrite would race with other processes' lock-free
        // appends, audit.rs), readers skip it, and both appends follow it whole.
        let text = h.file_text(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[1], "{\"at\":0,\"inp", "{text}");
        assert_eq!(read(&h, "/s", 0, 1, None).len(), 2);
    }

    #[test]
    fn p5_r30_journals_older_than_90_days_are_pruned() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let day = 86_400_000i64;
        let now = 20_000 * day; // 2024-10-04
        for ago in [0i64, 1, 89, 90, 91, 400] {
            h.put_file(&ledger_path("/s", now - ago * day), b"{}\n");
        }
        h.put_file("/s/costs/notes.txt", b"kept");
        h.put_file("/s/costs/2020-01-01.jsonl.bak", b"kept");
        assert_eq!(prune(&h, "/s", now), 2);
        for ago in [0i64, 1, 89, 90] {
            assert!(
                h.file_text(&ledger_path("/s", now - ago * day)).is_some(),
                "{ago} days"
            );
        }
        for ago in [91i64, 400] {
            assert!(
                h.file_text(&ledger_path("/s", now - ago * day)).is_none(),
                "{ago} days"
            );
        }
        assert!(h.file_text("/s/costs/notes.txt").is_some());
        assert!(h.file_text("/s/costs/2020-01-01.jsonl.bak").is_some());
    }

    #[test]
    fn p5_t25_record_report_and_bad_usage() {
        let models = vec![ModelInfo {
            provider: "p".into(),
            id: "m".into(),
            cost: Some(ModelCost {
                input: 3.0,
                output: 15.0,
                cache_read: 0.3,
                cache_write: 3.75,
            }),
            ..ModelInfo::default()
        }];
        let r = from_llm_output(
            &json!({"runId": "r", "provider": "p", "model": "m", "usage": {"input": 1000, "output": 0, "cacheRead": 3000, "cacheWrite": 0}}),
            &json!({"sessionKey": "agent:main:x", "agentId": "main"}),
            &models,
            0,
        );
        assert_eq!(r.cache_hit_rate, Some(0.75));
        assert!((r.cost_usd.unwrap() - 0.0039).abs() < 1e-12);
        assert_eq!(r.purpose, "main");
        let bad = from_llm_output(
            &json!({"usage": {"input": -1, "output": "x"}}),
            &json!({"sessionKey": "agent:main:subagent:1"}),
            &models,
            0,
        );
        assert_eq!(
            (bad.input_tokens, bad.output_tokens, bad.cost_usd),
            (None, None, None)
        );
        assert_eq!(bad.purpose, "subagent");
        let h = MemoryHost::new(HostDirs::default(), 0);
        append(&h, "/s", &r).unwrap();
        append(&h, "/s", &bad).unwrap();
        let back = read(&h, "/s", 0, 1, Some("agent:main:x"));
        assert_eq!(back, vec![r]);
        let text = report(&read(&h, "/s", 0, 7, None), "7d");
        assert!(
            text.contains("main on p/m: 1 call(s), input 1000"),
            "{text}"
        );
        assert!(text.contains("cache hit 75%") && text.contains("$0.0039"));
    }
}
