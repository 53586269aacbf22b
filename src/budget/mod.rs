//! Phase 2, loop termination and budgets (spec/phase2-loop-budget.md).
//!
//! Not implemented yet: the phase validates its config and reports itself as not
//! implemented in `agent-ops doctor`; it registers no hooks.

mod config;
pub mod ledger;
pub mod target;
pub mod tracker;

pub use config::{LoopBudgetConfig, RepeatConfig, SubagentCaps, TokenTargetConfig};
