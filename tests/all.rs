//! Integration tests, built into one binary (autotests = false).
//!
//! - `cli`: the `agent-ops` binary's contracts (phase 4 §10, README G-R14a).
//! - `budget`: phase 2 through the runtime's dispatch (P2 §13).
//! - `compaction`: phase 1 through the runtime's engine methods and hooks (P1 §17).
//! - `engine_steps`: the context engine's effect loop (`step`: compact, maintain, summarize).
//! - `coordinator`: phase 6 through the runtime with the in-memory host (P6 §11).
//! - `core_replacement`: jobs in flight while the plugin's core is replaced (issue 19, OC-R7).
//! - `fork_skills`: phase 7 rules against the shipped skills.
//! - `config`: the config type against the committed manifest (no drift).
//! - `shell`, `shell_checks_a`, `shell_checks_b`: phase 4 acceptance cases (§16).
//! - `shell_grants`: approval grants (issue 16 item 9).
//! - `corpus`: phase 4 corpus gates (§15).
//! - `external_cases`: phase 4 against cases harvested from other projects' test suites (issue 16).
//! - `shell_workspace`: the workspace and project tiers of issue 16.
//! - `shell_write_targets`: what patches and recursive copies write, read through the Host
//!   (issue 16 item 5).
//! - `corpus`: phase 4 corpus gates (§15).
//! - `agent_commands`: real agent commands replayed against an independent effect oracle
//!   (issue 16).
//! - `memory`: phase 5 through the runtime over real temp directories (P5 §12).
//! - `session_memory_crash`: kill -9 trials against the phase 3 job pipeline (issue 6).
//! - `session_names`: one collision-free name per session's state, and the adoption of
//!   state written under the old names (issue 18).
//! - `state_crash`: kill -9 trials against every other state file and journal (issue 19).
//! - `state_concurrency`: the gateway and the CLI (or two processes) on one state dir (G-R18).
//! - `lineage_concurrency`: two processes appending phase 6 lineage across its rotation (G-R18, P6-R16).
//! - `state_torn`: two writers after a torn journal line lose nothing (G-R17).
//! - `state_schema`: the `SCHEMA` file, migrations at init under a lock, a newer schema read-only
//!   (G-R15, G-R19).
//! - `session_memory`: phase 3 through the runtime with the in-memory host (P3 §13).
//! - `layers`: the import rule of issue 18 (a phase imports only the ground floor; see
//!   ARCHITECTURE.md).
//! - `runtime`: init/dispatch/journal through the native and in-memory hosts, and the
//!   no-panic guarantee of every JSON entry point (README G-R20).

// Test helpers may panic: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod agent_commands;
mod bash_diff;
mod budget;
mod budget_cost;
mod cli;
mod compaction;
mod config;
mod coordinator;
mod core_replacement;
mod corpus;
mod engine_steps;
mod external_cases;
mod fork_skills;
mod fuzz;
mod fuzz_entry;
mod layers;
mod lineage_concurrency;
mod live_reload;
mod memory;
mod memory_symlinks;
mod runtime;
mod session_memory;
mod session_memory_crash;
mod session_names;
mod shell;
mod shell_checks_a;
mod shell_checks_b;
mod shell_grants;
mod shell_inline_code;
mod shell_programs;
mod shell_secrets;
mod shell_workspace;
mod shell_write_targets;
mod state_concurrency;
mod state_crash;
mod state_schema;
mod state_torn;
