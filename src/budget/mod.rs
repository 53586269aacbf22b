//! Phase 2, loop termination and budgets (spec/phase2-loop-budget.md).
//!
//! Caps on model calls, tool calls and tokens per run and per session, repeat and cycle
//! detection, and token-target continuation: [`ledger`] holds the pure per-run rules,
//! [`target`] parses a prompt's token target, and [`tracker`] applies them at OpenClaw's hooks
//! with session budgets kept under `<stateDir>/budget/`.

mod config;
pub mod cost;
pub mod ledger;
pub mod target;
pub mod tracker;

pub use config::{
    AgentCostCaps, AllAgentsCostCaps, LoopBudgetConfig, RepeatConfig, SubagentCaps,
    TokenTargetConfig,
};
