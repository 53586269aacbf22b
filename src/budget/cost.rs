//! Dollar caps (issue 20): what a model call costs, the caps in force for an agent, the
//! ladder (warn at `costWarnAt`, stop at 100 %), the daily window in the operator's time zone,
//! the spend journal and the operator's lifts. Pure except for the journal and lift files,
//! which go through the [`Host`].

use super::LoopBudgetConfig;
use crate::contract::{ModelCost, ModelInfo};
use crate::host::{join_path, Host};
use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};

/// Version of a spend journal line and of the lifts file.
pub const SPEND_VERSION: u32 = 1;
/// The window of a daily cap.
pub const DAY_MS: i64 = 86_400_000;

/// Token counts of one priced event (`input` excludes cached prompt tokens, as OpenClaw
/// reports it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Uncached prompt tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Cached prompt tokens read.
    pub cache_read: u64,
    /// Prompt tokens written to the cache.
    pub cache_write: u64,
}

/// Where a cost comes from.
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostSource {
    /// The cost OpenClaw reported for the call (`usage.costUsd` of an internal LLM job).
    Reported,
    /// Computed from the model entry's `cost` table.
    Table,
    /// The model has no price: the cost is unknown (never $0).
    #[default]
    Unknown,
}

/// The cost of one event: a reported cost wins, else the model table prices each token kind
/// at its own rate; a model without a price is [`CostSource::Unknown`].
pub fn price(
    models: &[ModelInfo],
    provider: Option<&str>,
    model: Option<&str>,
    t: Tokens,
    reported: Option<f64>,
) -> (Option<f64>, CostSource) {
    if let Some(c) = reported.filter(|c| c.is_finite() && *c >= 0.0) {
        return (Some(c), CostSource::Reported);
    }
    match ModelCost::of(models, provider, model) {
        Some(p) => (
            Some(p.usd(t.input, t.output, t.cache_read, t.cache_write)),
            CostSource::Table,
        ),
        None => (None, CostSource::Unknown),
    }
}

/// Money spent in one scope: dollars of the priced calls and how many calls had no price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    /// Dollars of the calls with a known price.
    pub usd: f64,
    /// Calls whose price is unknown.
    pub unknown: u64,
}

impl Spend {
    /// Adds one call's cost (`None`: unknown price).
    pub fn add(&mut self, cost: Option<f64>) {
        match cost {
            Some(c) => self.usd += c,
            None => self.unknown = self.unknown.saturating_add(1),
        }
    }

    /// Both spends together.
    pub fn plus(self, o: Spend) -> Spend {
        Spend {
            usd: self.usd + o.usd,
            unknown: self.unknown.saturating_add(o.unknown),
        }
    }
}

/// What a dollar cap bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// One run.
    Run,
    /// One session, over all its runs.
    Session,
    /// One agent, per day.
    Daily,
    /// All agents together, per day.
    DailyAll,
}

impl Scope {
    /// The reason code of a stop by this cap.
    pub fn code(self) -> &'static str {
        match self {
            Scope::Run => "budget.cap.cost_usd.run",
            Scope::Session => "budget.cap.cost_usd.session",
            Scope::Daily => "budget.cap.cost_usd.daily",
            Scope::DailyAll => "budget.cap.cost_usd.daily_all_agents",
        }
    }

    /// The reason code of the warning of this cap.
    pub fn warn_code(self) -> &'static str {
        match self {
            Scope::Run => "budget.cost.warning.run",
            Scope::Session => "budget.cost.warning.session",
            Scope::Daily => "budget.cost.warning.daily",
            Scope::DailyAll => "budget.cost.warning.daily_all_agents",
        }
    }

    /// Short name for status lines.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Run => "run",
            Scope::Session => "session",
            Scope::Daily => "agent today",
            Scope::DailyAll => "all agents today",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Scope::Run => "maxRunCostUsd",
            Scope::Session => "maxSessionCostUsd",
            Scope::Daily | Scope::DailyAll => "maxDailyCostUsd",
        }
    }
}

/// One dollar cap in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    /// What it bounds.
    pub scope: Scope,
    /// Dollars.
    pub limit: f64,
    /// The config key that sets it (`phases.loopBudget.…`).
    pub key: String,
}

/// The dollar caps of `agent`: a field of `agents.<id>` replaces the phase-level one; the
/// all-agents daily cap is `allAgents.maxDailyCostUsd`, else `legacy_daily` (phase 5's
/// deprecated `costs.dailyBudgetUsd`, which the runtime hands over).
pub fn caps_for(cfg: &LoopBudgetConfig, agent: &str, legacy_daily: Option<f64>) -> Vec<Cap> {
    let own = cfg.agents.get(agent);
    let mut out = Vec::new();
    let mut one = |scope: Scope, over: Option<f64>, base: Option<f64>| {
        let (limit, key) = match (over, base) {
            (Some(v), _) => (
                v,
                format!("phases.loopBudget.agents.{agent}.{}", scope.field()),
            ),
            (None, Some(v)) => (v, format!("phases.loopBudget.{}", scope.field())),
            (None, None) => return,
        };
        out.push(Cap { scope, limit, key });
    };
    one(
        Scope::Run,
        own.and_then(|a| a.max_run_cost_usd),
        cfg.max_run_cost_usd,
    );
    one(
        Scope::Session,
        own.and_then(|a| a.max_session_cost_usd),
        cfg.max_session_cost_usd,
    );
    one(
        Scope::Daily,
        own.and_then(|a| a.max_daily_cost_usd),
        cfg.max_daily_cost_usd,
    );
    match (cfg.all_agents.max_daily_cost_usd, legacy_daily) {
        (Some(v), _) => out.push(Cap {
            scope: Scope::DailyAll,
            limit: v,
            key: "phases.loopBudget.allAgents.maxDailyCostUsd".into(),
        }),
        (None, Some(v)) => out.push(Cap {
            scope: Scope::DailyAll,
            limit: v,
            key: "phases.memoryScoping.costs.dailyBudgetUsd (deprecated: use phases.loopBudget.allAgents.maxDailyCostUsd)".into(),
        }),
        (None, None) => {}
    }
    out
}

/// Where a spend stands against its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rung {
    /// Below the warning fraction.
    Below,
    /// At or above the warning fraction, below the cap.
    Warn,
    /// At or above the cap (known dollars alone reach it: unknown prices only add).
    Hit,
    /// Some calls have no price and the known dollars do not reach the cap: the cap cannot be
    /// judged, the token caps stay in force.
    Unknown,
}

/// The ladder: [`Rung`] of `spend` against `limit` with the warning at `warn_at × limit`.
pub fn rung(limit: f64, spend: Spend, warn_at: f64) -> Rung {
    // Sums of per-call dollars carry binary rounding (ten $0.01 calls add up to 0.0999…):
    // a nano-dollar of slack keeps "at the cap" at the cap.
    let usd = spend.usd + 1e-9;
    if usd >= limit {
        Rung::Hit
    } else if spend.unknown > 0 {
        Rung::Unknown
    } else if usd >= warn_at * limit {
        Rung::Warn
    } else {
        Rung::Below
    }
}

/// `$1.2345` (four decimals: a model call can cost less than a cent).
pub fn usd(v: f64) -> String {
    format!("${v:.4}")
}

/// The stop sentence of a hit cap: names the cap, the spend and the key.
pub fn hit_message(cap: &Cap, spent: Spend, agent: &str) -> String {
    let whose = match cap.scope {
        Scope::Run => "this run".to_string(),
        Scope::Session => "this session".to_string(),
        Scope::Daily => format!("agent {agent} today"),
        Scope::DailyAll => "all agents today".to_string(),
    };
    format!(
        "{whose} spent {} of its {} dollar cap ({}); the run ends and new runs of agent {agent} are refused until the window rolls over or an operator runs /budget resume (CLI: agent-ops budget resume --agent {agent})",
        usd(spent.usd),
        usd(cap.limit),
        cap.key
    )
}

/// The warning sentence at `costWarnAt`.
pub fn warn_message(cap: &Cap, spent: Spend) -> String {
    let pct = if cap.limit > 0.0 {
        (spent.usd / cap.limit * 100.0).round()
    } else {
        100.0
    };
    format!(
        "This {} has spent {} of its {} dollar cap ({pct}%, {}). Finish the task or stop soon: at 100% tool calls are blocked and the run ends.",
        cap.scope.label(),
        usd(spent.usd),
        usd(cap.limit),
        cap.key
    )
}

/// The time zone of the daily window as minutes east of UTC at `at_ms`: a fixed offset, or
/// an IANA name the Host resolves; `Err` (UTC is used) when neither works.
pub fn zone_offset(host: &dyn Host, zone: &str, at_ms: i64) -> Result<i32, String> {
    if let Some(m) = crate::calendar::parse_utc_offset(zone) {
        return Ok(m);
    }
    host.utc_offset_minutes(zone.trim(), at_ms).ok_or_else(|| {
        format!("the time zone {zone:?} (phases.loopBudget.timeZone) is unknown to this host; the daily window uses UTC")
    })
}

/// One priced model usage event: a line of `budget/spend-YYYY-MM-DD.jsonl` (UTC date of `at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendLine {
    /// Layout version.
    pub v: u32,
    /// When (ms).
    pub at: i64,
    /// Agent id.
    pub agent_id: String,
    /// Session key.
    #[serde(default)]
    pub session_key: Option<String>,
    /// Run id (main and subagent runs).
    #[serde(default)]
    pub run_id: Option<String>,
    /// `main`, `subagent`, or an internal job's purpose (`session_notes`, `memory_extract`, …).
    pub purpose: String,
    /// Provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// Model.
    #[serde(default)]
    pub model: Option<String>,
    /// Uncached input tokens.
    #[serde(default)]
    pub input: u64,
    /// Output tokens.
    #[serde(default)]
    pub output: u64,
    /// Cache reads.
    #[serde(default)]
    pub cache_read: u64,
    /// Cache writes.
    #[serde(default)]
    pub cache_write: u64,
    /// Dollars (null: unknown price).
    pub cost_usd: Option<f64>,
    /// Where the cost comes from.
    pub source: CostSource,
}

crate::json::read::json_enum! {
    CostSource { Reported = "reported", Table = "table", Unknown = "unknown" }
}
crate::json::read::json_struct!(SpendLine {
    "v" => v: req,
    "at" => at: req,
    "agentId" => agent_id: req,
    "sessionKey" => session_key: def,
    "runId" => run_id: def,
    "purpose" => purpose: req,
    "provider" => provider: def,
    "model" => model: def,
    "input" => input: def,
    "output" => output: def,
    "cacheRead" => cache_read: def,
    "cacheWrite" => cache_write: def,
    "costUsd" => cost_usd: opt,
    "source" => source: req,
});

/// `<stateDir>/budget/spend-YYYY-MM-DD.jsonl` of the UTC day of `at_ms`.
pub fn spend_path(state_dir: &str, at_ms: i64) -> String {
    join_path(
        &join_path(state_dir, "budget"),
        &format!("spend-{}.jsonl", crate::calendar::utc_date(at_ms)),
    )
}

/// Reads one spend journal; torn or foreign lines are skipped.
pub fn read_spend(host: &dyn Host, path: &str) -> Vec<SpendLine> {
    let Ok(bytes) = host.fs_read(path, 64 * 1024 * 1024) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| crate::json::read_str::<SpendLine>(l).ok())
        .collect()
}

/// The spend journal lines with `from_ms <= at <= to_ms` (the files of every UTC day between).
pub fn lines_between(host: &dyn Host, state_dir: &str, from_ms: i64, to_ms: i64) -> Vec<SpendLine> {
    let mut out = Vec::new();
    let mut day = from_ms.div_euclid(DAY_MS) * DAY_MS;
    while day <= to_ms {
        out.extend(
            read_spend(host, &spend_path(state_dir, day))
                .into_iter()
                .filter(|l| l.at >= from_ms && l.at <= to_ms),
        );
        day += DAY_MS;
    }
    out
}

/// Sums lines (of one agent, or all when `agent` is `None`) at or after `since_ms`.
pub fn sum(lines: &[SpendLine], agent: Option<&str>, since_ms: i64) -> Spend {
    let mut s = Spend::default();
    for l in lines
        .iter()
        .filter(|l| l.at >= since_ms && agent.is_none_or(|a| l.agent_id == a))
    {
        s.add(l.cost_usd);
    }
    s
}

/// An agent refused new runs after one of its runs hit a dollar cap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    /// The cap's reason code.
    pub code: String,
    /// The stop sentence.
    pub message: String,
    /// When (ms).
    pub at: i64,
    /// The hold ends by itself at this instant (the next local midnight).
    pub until: i64,
}

/// `<stateDir>/budget/lifts.json`: holds, and the operator's resumes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Lifts {
    /// Layout version.
    pub v: u32,
    /// Agent id → its hold.
    pub holds: SortedMap<String, Hold>,
    /// Agent id → when an operator last resumed it: its daily spend counts from then.
    pub resumed_at: SortedMap<String, i64>,
    /// When the all-agents daily cap was last resumed.
    pub all_resumed_at: i64,
    /// Session id → its dollars at the resume: the session cap counts what came after.
    pub session_base: SortedMap<String, f64>,
}

crate::json::read::json_struct!(Hold {
    "code" => code: req,
    "message" => message: req,
    "at" => at: req,
    "until" => until: req,
});
crate::json::read::json_struct!(default Lifts {
    "v" => v, "holds" => holds, "resumedAt" => resumed_at, "allResumedAt" => all_resumed_at,
    "sessionBase" => session_base,
});

/// `<stateDir>/budget/lifts.json`.
pub fn lifts_path(state_dir: &str) -> String {
    join_path(&join_path(state_dir, "budget"), "lifts.json")
}

/// The lifts file (missing or unreadable: none).
pub fn read_lifts(host: &dyn Host, state_dir: &str) -> Lifts {
    host.fs_read(&lifts_path(state_dir), 1024 * 1024)
        .ok()
        .and_then(|b| crate::json::read_slice(&b).ok())
        .unwrap_or_default()
}

/// Changes the lifts file under its lock (the gateway and the CLI both write it).
pub fn update_lifts(
    host: &dyn Host,
    state_dir: &str,
    change: impl FnOnce(&mut Lifts),
) -> Result<Lifts, String> {
    let path = lifts_path(state_dir);
    let lock = format!("{path}.lock");
    host.fs_lock(&lock, 30_000)
        .map_err(|e| format!("could not lock {lock}: {e}"))?;
    let mut l = read_lifts(host, state_dir);
    l.v = SPEND_VERSION;
    change(&mut l);
    let r = host
        .fs_write_atomic(
            &path,
            &serde_json::to_vec_pretty(&l).unwrap_or_default(),
            0o600,
        )
        .map_err(|e| format!("could not write {path}: {e}"))
        .map(|()| l);
    let _ = host.fs_unlock(&lock);
    r
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
