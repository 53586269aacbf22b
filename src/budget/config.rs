//! `phases.loopBudget` settings (P2 §9).

use crate::settings::{CheckAt, PhaseSettings};
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
