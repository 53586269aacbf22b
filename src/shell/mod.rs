//! Phase 4, bash/exec command security: parse, check, decide (spec/phase4-bash-security.md).
//!
//! `input → raw-text checks → parse → semantic model → checks → policy → Verdict`.
//! The parser ([`parser`]) is a hand-written, pure-Rust bash (+ zsh extras) parser with byte
//! spans and hard limits; [`policy`] turns what it finds into allow / ask / deny with a
//! reason. Security decisions fail closed: when the parser or a limit gives up, the answer is
//! ask or deny, never allow (P4-R2, P4-R5).

mod allow;
pub mod ast;
mod checks;
mod config;
mod deny;
pub mod hook;
pub mod parser;
pub mod paths;
mod policy;
mod rules;
pub mod semantic;
mod tables;
mod verdict;
mod wrappers;

pub use config::{
    ApprovalConfig, AskAction, BashSecurityConfig, CodeModeSetting, Dialect, GlobOptionInjection,
    LimitsConfig, OnExceed, ProcessMode, RulesConfig, ToolsConfig, Unlisted,
};
pub use policy::{evaluate, explain};
pub use rules::parse_rule;
pub use verdict::{Category, Evaluation, Finding, Severity, Verdict};

use serde::Serialize;

/// Host operating system, for path matching (case-insensitive on macOS, P4-R26).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Linux and other Unix systems.
    #[default]
    Linux,
    /// macOS.
    Macos,
}

impl Os {
    /// `macos`/`darwin` → macOS, anything else → Linux.
    pub fn parse(s: &str) -> Os {
        match s.to_ascii_lowercase().as_str() {
            "macos" | "darwin" | "mac" | "osx" => Os::Macos,
            _ => Os::Linux,
        }
    }

    /// The OS this binary was built for.
    pub fn build_target() -> Os {
        if cfg!(target_os = "macos") {
            Os::Macos
        } else {
            Os::Linux
        }
    }
}

/// Where a command runs (P4-R24).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalContext {
    /// `$HOME` / `~`.
    pub home: String,
    /// Working directory (`$PWD`).
    pub cwd: String,
    /// The agent workspace.
    pub workspace: String,
    /// Host OS.
    pub os: Os,
    /// Keys (and string values) of the exec tool's `env` parameter: checked like prefix
    /// assignments (P4-R42).
    pub env_keys: Vec<(String, Option<String>)>,
}

/// One check finding as the CLI prints it (P4-R46).
#[derive(Debug, Clone, Serialize)]
pub struct CliFinding<'a> {
    /// Check id.
    pub id: u8,
    /// Check name.
    pub name: &'a str,
    /// Category.
    pub category: Category,
    /// Message.
    pub message: &'a str,
    /// Severity.
    pub severity: Severity,
}

/// One CLI output record, keys in the order of P4-R46.
#[derive(Debug, Clone, Serialize)]
pub struct CliRecord<'a> {
    /// The input text.
    pub command: &'a str,
    /// `allow`, `ask` or `deny`.
    pub verdict: Verdict,
    /// Findings.
    pub checks: Vec<CliFinding<'a>>,
    /// Reason code.
    pub reason: &'a str,
    /// Human message.
    pub message: &'a str,
}

/// The P4-R46 record of an evaluation.
pub fn cli_record<'a>(command: &'a str, ev: &'a Evaluation) -> CliRecord<'a> {
    CliRecord {
        command,
        verdict: ev.verdict,
        checks: ev
            .findings
            .iter()
            .map(|f| CliFinding {
                id: f.id,
                name: f.name,
                category: f.category,
                message: &f.message,
                severity: f.severity,
            })
            .collect(),
        reason: &ev.reason,
        message: &ev.message,
    }
}
