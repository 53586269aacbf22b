//! Phase 2, loop termination and budgets (spec/phase2-loop-budget.md).
//!
//! Caps on model calls, tool calls and tokens per run and per session, repeat and cycle
//! detection, and token-target continuation: [`ledger`] holds the pure per-run rules,
//! [`target`] parses a prompt's token target, and [`tracker`] applies them at OpenClaw's hooks
//! with session budgets kept under `<stateDir>/budget/`; [`hooks`] is where OpenClaw meets
//! phase 2 (the `PhaseCore` of [`SpendTracker`]).

mod config;
mod cost;
mod hooks;
mod ledger;
mod target;
mod tracker;

pub use config::{
    AgentCostCaps, AllAgentsCostCaps, LoopBudgetConfig, RepeatConfig, SubagentCaps,
    TokenTargetConfig,
};
pub use hooks::{init, BudgetInput};
pub use tracker::{budget_path, cost_lines, SpendTracker};
/// The state-file types, for the reader comparison tests of `json::read`.
#[cfg(test)]
pub(crate) use {
    cost::{Lifts, SpendLine},
    ledger::SessionBudget,
};
