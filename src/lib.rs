//! # agent-ops
//!
//! Production agent operations for the OpenClaw AI gateway. This crate is the pure decision
//! core of the `agent-ops` OpenClaw plugin; it is compiled to WebAssembly twice (a
//! wasm-bindgen module for Node and a WIT component) and natively for the `agent-ops` CLI.
//!
//! Seven phases, each a module with plain data in and plain data out:
//!
//! | # | phase | module |
//! |---|---|---|
//! | 1 | compaction governance | [`compaction`] |
//! | 2 | loop termination and budgets | [`budget`] |
//! | 3 | session memory | [`session_memory`] |
//! | 4 | bash/exec command security | [`shell`] |
//! | 5 | memory scoping | [`memory_scope`] |
//! | 6 | coordinator resume integrity | [`coordinator`] |
//! | 7 | forked agents and skills | [`fork_skills`] |
//!
//! Phases decide; the [`host::Host`] performs I/O. [`runtime::Runtime`] is the one entry
//! point both binding layers wrap (README G-R6).
//!
//! ```
//! use agent_ops::shell::{evaluate, BashSecurityConfig, EvalContext, Verdict};
//! let ctx = EvalContext { home: "/home/u".into(), cwd: "/home/u/ws".into(), ..Default::default() };
//! let ev = evaluate("rm -rf ~", &ctx, &BashSecurityConfig::default());
//! assert_eq!(ev.verdict, Verdict::Deny);
//! assert_eq!(ev.reason, "exec.deny.destructive.rm_root");
//! ```
#![deny(missing_docs)]

#[cfg(all(target_arch = "wasm32", feature = "js", feature = "component"))]
compile_error!("features `js` and `component` are mutually exclusive on wasm targets: build each artifact with its own feature");

pub mod audit;
pub mod budget;
pub mod calendar;
pub mod compaction;
pub mod config;
pub mod contract;
pub mod coordinator;
pub mod fork_skills;
pub mod hash;
pub mod host;
mod host_info;
pub mod json;
pub mod memdir;
pub mod memory_scope;
pub mod paths;
pub mod phase;
pub mod redact;
pub mod runtime;
pub mod schema;
pub mod session_key;
pub mod session_memory;
pub mod settings;
pub mod shell;
pub mod sorted;
#[cfg(test)]
mod test_support;
pub mod tokens;

pub mod cli;

mod bindings;
