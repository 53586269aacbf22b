//! `phases.loopBudget` settings (P2 §9).

use crate::settings::{CheckAt, PhaseSettings};
use crate::sorted::SortedMap;
use schemars::JsonSchema;
use serde::Serialize;

/// Phase 2 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct LoopBudgetConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Model calls allowed in one run of a main session.
    pub max_model_calls_per_run: Option<u64>,
    /// Tool calls allowed in one run of a main session.
    pub max_tool_calls_per_run: Option<u64>,
    /// Output tokens allowed in one run (null: no cap).
    pub max_run_output_tokens: Option<u64>,
    /// Tokens allowed over a whole session (null: no cap).
    pub max_session_tokens: Option<u64>,
    /// Wall-clock seconds allowed for one run (null: no cap).
    pub max_run_seconds: Option<u64>,
    /// Caps for subagent runs.
    pub subagent: SubagentCaps,
    /// Identical-call and cycle detection.
    pub repeat: RepeatConfig,
    /// Token-target continuation.
    pub token_target: TokenTargetConfig,
    /// Dollars one run of an agent may spend (null: no cap). Issue 20.
    pub max_run_cost_usd: Option<f64>,
    /// Dollars one session of an agent may spend over all its runs (null: no cap).
    pub max_session_cost_usd: Option<f64>,
    /// Dollars each agent may spend per day in `timeZone`, internal jobs included (null: no cap).
    pub max_daily_cost_usd: Option<f64>,
    /// Caps on all agents together.
    pub all_agents: AllAgentsCostCaps,
    /// Per-agent dollar caps, keyed by agent id; a field set here replaces the phase-level one.
    pub agents: SortedMap<String, AgentCostCaps>,
    /// Fraction of a dollar cap at which the agent and the journal are warned.
    pub cost_warn_at: f64,
    /// Time zone of the daily window: an IANA name (`Europe/Berlin`) or a fixed offset
    /// (`UTC`, `+02:00`).
    pub time_zone: String,
}

/// Dollar caps on all agents together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct AllAgentsCostCaps {
    /// Dollars all agents together may spend per day (null: no cap).
    pub max_daily_cost_usd: Option<f64>,
}

/// One agent's dollar caps (each null: the phase-level value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct AgentCostCaps {
    /// Dollars one run of this agent may spend.
    pub max_run_cost_usd: Option<f64>,
    /// Dollars one session of this agent may spend.
    pub max_session_cost_usd: Option<f64>,
    /// Dollars this agent may spend per day.
    pub max_daily_cost_usd: Option<f64>,
}

impl Default for LoopBudgetConfig {
    fn default() -> Self {
        LoopBudgetConfig {
            enabled: true,
            max_model_calls_per_run: Some(200),
            max_tool_calls_per_run: Some(400),
            max_run_output_tokens: None,
            max_session_tokens: None,
            max_run_seconds: None,
            subagent: SubagentCaps::default(),
            repeat: RepeatConfig::default(),
            token_target: TokenTargetConfig::default(),
            max_run_cost_usd: None,
            max_session_cost_usd: None,
            max_daily_cost_usd: None,
            all_agents: AllAgentsCostCaps::default(),
            agents: SortedMap::new(),
            cost_warn_at: 0.8,
            time_zone: "UTC".into(),
        }
    }
}

/// Caps that apply to subagent runs instead of the main ones.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct SubagentCaps {
    /// Model calls allowed in one subagent run.
    pub max_model_calls_per_run: Option<u64>,
    /// Tool calls allowed in one subagent run.
    pub max_tool_calls_per_run: Option<u64>,
}

impl Default for SubagentCaps {
    fn default() -> Self {
        SubagentCaps {
            max_model_calls_per_run: Some(100),
            max_tool_calls_per_run: Some(200),
        }
    }
}

/// Repeat and cycle detection thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct RepeatConfig {
    /// Identical calls in a row before a warning.
    pub warn_at: u64,
    /// Identical calls in a row before the call is blocked.
    pub block_at: u64,
    /// Longest repeating cycle of calls that is detected.
    pub cycle_max_period: u64,
}

impl Default for RepeatConfig {
    fn default() -> Self {
        RepeatConfig {
            warn_at: 3,
            block_at: 5,
            cycle_max_period: 4,
        }
    }
}

/// Token-target continuation settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct TokenTargetConfig {
    /// Continue runs that stop below a requested token target.
    pub enabled: bool,
    /// Continuations allowed per run.
    pub max_continuations: u64,
    /// Fraction of the target that counts as done.
    pub completion_threshold: f64,
    /// A continuation adding fewer tokens than this counts as diminishing returns.
    pub diminishing_tokens: u64,
}

impl Default for TokenTargetConfig {
    fn default() -> Self {
        TokenTargetConfig {
            enabled: true,
            max_continuations: 3,
            completion_threshold: 0.9,
            diminishing_tokens: 500,
        }
    }
}

impl PhaseSettings for LoopBudgetConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl LoopBudgetConfig {
    /// P2 §9 validation.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        c.positive("maxModelCallsPerRun", self.max_model_calls_per_run);
        c.positive("maxToolCallsPerRun", self.max_tool_calls_per_run);
        c.positive("maxRunOutputTokens", self.max_run_output_tokens);
        c.positive("maxSessionTokens", self.max_session_tokens);
        c.positive("maxRunSeconds", self.max_run_seconds);
        c.positive(
            "subagent.maxModelCallsPerRun",
            self.subagent.max_model_calls_per_run,
        );
        c.positive(
            "subagent.maxToolCallsPerRun",
            self.subagent.max_tool_calls_per_run,
        );
        let r = &self.repeat;
        if !(2 <= r.warn_at && r.warn_at < r.block_at && r.block_at <= 50) {
            c.fail(
                "repeat.warnAt",
                format!(
                    "must satisfy 2 <= warnAt < blockAt <= 50, got warnAt {} and blockAt {}",
                    r.warn_at, r.block_at
                ),
            );
        }
        c.range("repeat.cycleMaxPeriod", r.cycle_max_period, 1, 8);
        let t = &self.token_target;
        c.fraction(
            "tokenTarget.completionThreshold",
            t.completion_threshold,
            1.0,
        );
        c.range("tokenTarget.maxContinuations", t.max_continuations, 0, 10);
        let dollars = |c: &mut CheckAt<'_>, key: &str, v: Option<f64>| {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                c.fail(
                    key,
                    format!("must be a positive number of dollars or null, got {v}"),
                );
            }
        };
        dollars(c, "maxRunCostUsd", self.max_run_cost_usd);
        dollars(c, "maxSessionCostUsd", self.max_session_cost_usd);
        dollars(c, "maxDailyCostUsd", self.max_daily_cost_usd);
        dollars(
            c,
            "allAgents.maxDailyCostUsd",
            self.all_agents.max_daily_cost_usd,
        );
        for (id, a) in &self.agents {
            dollars(c, &format!("agents.{id}.maxRunCostUsd"), a.max_run_cost_usd);
            dollars(
                c,
                &format!("agents.{id}.maxSessionCostUsd"),
                a.max_session_cost_usd,
            );
            dollars(
                c,
                &format!("agents.{id}.maxDailyCostUsd"),
                a.max_daily_cost_usd,
            );
        }
        if !(self.cost_warn_at > 0.0 && self.cost_warn_at < 1.0) {
            c.fail(
                "costWarnAt",
                format!(
                    "must be a fraction above 0 and below 1, got {}",
                    self.cost_warn_at
                ),
            );
        }
        let tz = self.time_zone.trim();
        let named = !tz.is_empty()
            && tz.len() <= 64
            && tz
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
            && tz.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
        if crate::calendar::parse_utc_offset(tz).is_none() && !named {
            c.fail(
                "timeZone",
                format!("must be an IANA zone name (Europe/Berlin) or an offset (UTC, +02:00), got {tz:?}"),
            );
        }
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(LoopBudgetConfig {
    "enabled" => enabled,
    "maxModelCallsPerRun" => max_model_calls_per_run,
    "maxToolCallsPerRun" => max_tool_calls_per_run,
    "maxRunOutputTokens" => max_run_output_tokens,
    "maxSessionTokens" => max_session_tokens,
    "maxRunSeconds" => max_run_seconds,
    "subagent" => subagent,
    "repeat" => repeat,
    "tokenTarget" => token_target,
    "maxRunCostUsd" => max_run_cost_usd,
    "maxSessionCostUsd" => max_session_cost_usd,
    "maxDailyCostUsd" => max_daily_cost_usd,
    "allAgents" => all_agents,
    "agents" => agents,
    "costWarnAt" => cost_warn_at,
    "timeZone" => time_zone,
});
crate::settings::read_struct!(AllAgentsCostCaps {
    "maxDailyCostUsd" => max_daily_cost_usd,
});
crate::settings::read_struct!(AgentCostCaps {
    "maxRunCostUsd" => max_run_cost_usd,
    "maxSessionCostUsd" => max_session_cost_usd,
    "maxDailyCostUsd" => max_daily_cost_usd,
});
crate::settings::read_struct!(SubagentCaps {
    "maxModelCallsPerRun" => max_model_calls_per_run,
    "maxToolCallsPerRun" => max_tool_calls_per_run,
});
crate::settings::read_struct!(RepeatConfig {
    "warnAt" => warn_at,
    "blockAt" => block_at,
    "cycleMaxPeriod" => cycle_max_period,
});
crate::settings::read_struct!(TokenTargetConfig {
    "enabled" => enabled,
    "maxContinuations" => max_continuations,
    "completionThreshold" => completion_threshold,
    "diminishingTokens" => diminishing_tokens,
});
