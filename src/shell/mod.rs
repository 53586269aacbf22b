//! Phase 4, bash/exec command security: parse, check, decide (spec/phase4-bash-security.md).
//!
//! `input → raw-text checks → parse → semantic model → checks → policy → Verdict`.
//! The parser ([`parse`]) is a hand-written, pure-Rust bash (+ zsh extras) parser with byte
//! spans and hard limits; [`evaluate`] turns what it finds into allow / ask / deny with a
//! reason. Security decisions fail closed: when the parser or a limit gives up, the answer is
//! ask or deny, never allow (P4-R2, P4-R5).

mod allow;
mod arith;
mod ast;
mod checks;
mod command;
mod config;
mod deny;
mod effects;
mod grammar;
mod grant_store;
mod grants;
mod hook;
mod hooks;
mod inline_code;
mod judge;
mod parser;
mod paths;
mod policy;
mod programs;
mod project;
mod python_shadow;
mod repo_hooks;
mod rules;
mod script_files;
mod secret_names;
mod semantic;
mod session_carriers;
mod system_queries;
mod tables;
mod unicode_tables;
mod verdict;
mod wrappers;
mod write_targets;

// The phase's face (issue 18 item 2): every submodule is private, and what the runtime, the
// CLI, the benchmarks and the integration tests use is named here. The parser and its AST
// types serve the parser's own tests and fuzzing; the grant store serves `agent-ops grants`
// and `/agent-ops status`; the Host lookups serve `agent-ops check`.
pub use ast::{Command, TerminatorKind};
pub use config::{
    ApprovalConfig, AskAction, BashSecurityConfig, CodeModeSetting, Dialect, GlobOptionInjection,
    GrantScopeSetting, GrantsConfig, LimitsConfig, OnExceed, ProcessMode, RulesConfig, RunProject,
    ToolsConfig, Unlisted, WorkspaceWrites,
};
pub use grant_store::{
    add as add_grant, clear as clear_grants, listing as grant_listing, load as load_grants,
    revoke as revoke_grant, NewGrant,
};
pub use grants::{Grant, GrantScope, Pattern, MAX_GRANTS};
pub use hook::{lookup_file_facts, lookup_host_facts};
pub use hooks::{init, ExecApprovals};
pub use judge::SnippetJudge;
pub use parser::{parse, ParseLimits, Parsed};
pub use policy::{evaluate, evaluate_verdict, evaluate_with_grants, explain};
pub use python_shadow::lookup as lookup_module_shadow;
pub use rules::parse_rule;
pub use verdict::{Category, Evaluation, Finding, Severity, Verdict};
pub use write_targets::FileFacts;

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
    /// The system temp directory (writes there count as workspace writes, issue 16 item 5).
    /// Empty means `/tmp` (and `/var/tmp`); the Host fills it from `os.tmpdir()`.
    pub tmp_dir: String,
    /// OpenClaw runs this exec call inside its sandbox (`runProject: "sandbox"`, issue 16
    /// item 6). Only the Host knows this; `false` when it cannot tell.
    pub sandboxed: bool,
    /// Whether the git repository around `cwd` has active hooks, as the Host found out
    /// (issue 16 item 5). `Unknown` is read as "has hooks": git commands that run hooks
    /// then run code.
    pub repo_hooks: RepoHooks,
    /// Whether the directory a `python -m` run starts in holds a module named like a standard
    /// one, as the Host found out (issue 16; [`lookup_module_shadow`]). `Unknown` is read as "holds
    /// one": `python -m json.tool` and friends then run code.
    pub module_shadow: ModuleShadow,
    /// Patch files and copy sources the command line names, as the Host found them
    /// ([`lookup_file_facts`]); a path not looked up is unknown, which keeps the
    /// command out of the workspace tier.
    pub files: write_targets::FileFacts,
}

/// What the Host found about modules in the working directory that would shadow the
/// standard library's for `python -m` ([`lookup_module_shadow`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleShadow {
    /// Not looked up, unreadable, or no answer: treated as [`ModuleShadow::Present`].
    #[default]
    Unknown,
    /// No standard-named module or package in the directory.
    None,
    /// At least one.
    Present,
}

/// What the Host found about the hooks of the git repository a command runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoHooks {
    /// Not looked up, unreadable, or no answer: treated as [`RepoHooks::Active`].
    #[default]
    Unknown,
    /// No repository, or a repository without hooks: no non-`.sample` file in `.git/hooks`
    /// and no `core.hooksPath`.
    None,
    /// At least one hook could run.
    Active,
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

impl CliRecord<'_> {
    /// The record as JSON text: byte for byte what serde_json writes for it (a unit test
    /// compares the two over the corpora). Written directly because the wasm `evaluateCommand`
    /// and the CLI answer with it for every command, and serde_json's escaping loop was about
    /// 4% of that call in the size-optimised build (P4-R49).
    pub fn to_json(&self) -> String {
        let size = self.command.len()
            + self.reason.len()
            + self.message.len()
            + self
                .checks
                .iter()
                .map(|c| c.name.len() + c.message.len() + 80)
                .sum::<usize>()
            + 80;
        let mut out = String::with_capacity(size);
        out.push_str("{\"command\":");
        push_json_str(&mut out, self.command);
        out.push_str(",\"verdict\":\"");
        out.push_str(self.verdict.as_str());
        out.push_str("\",\"checks\":[");
        for (i, c) in self.checks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"id\":");
            out.push_str(&c.id.to_string());
            out.push_str(",\"name\":");
            push_json_str(&mut out, c.name);
            out.push_str(",\"category\":\"");
            out.push_str(c.category.as_str());
            out.push_str("\",\"message\":");
            push_json_str(&mut out, c.message);
            out.push_str(",\"severity\":\"");
            out.push_str(c.severity.as_str());
            out.push_str("\"}");
        }
        out.push_str("],\"reason\":");
        push_json_str(&mut out, self.reason);
        out.push_str(",\"message\":");
        push_json_str(&mut out, self.message);
        out.push('}');
        out
    }
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it: `"`, `\`, the short
/// escapes `\b \t \n \f \r`, other control bytes as `\u00xx`; everything else as is.
fn push_json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(s.get(run..i).unwrap_or(""));
        if short.is_empty() {
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(
                    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                ));
            }
        } else {
            out.push_str(short);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or(""));
    out.push('"');
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

#[cfg(test)]
mod record_json_tests {
    use super::*;

    /// `CliRecord::to_json` writes exactly what serde_json writes, over every corpus line and
    /// commands holding every escape class (quotes, backslashes, each control byte, DEL,
    /// non-ASCII, U+2028).
    #[test]
    fn the_direct_writer_matches_serde_json() {
        let ctx = crate::test_support::eval_ctx(Os::Linux);
        let cfg = BashSecurityConfig::default();
        let mut commands: Vec<String> = Vec::new();
        for name in ["tldr.txt", "nl2bash.txt"] {
            commands.extend(crate::test_support::read(name).lines().map(str::to_string));
        }
        for b in 0u8..0x20 {
            commands.push(format!("echo \"a{}b\\c\"", char::from(b)));
        }
        commands.extend(
            [
                "",
                "echo \u{7f}",
                "echo é \u{2028} 😀",
                "printf '\\u00e9' \"\\\"\"",
            ]
            .map(String::from),
        );
        for c in &commands {
            let ev = evaluate(c, &ctx, &cfg);
            let r = cli_record(c, &ev);
            let want = serde_json::to_string(&r).unwrap_or_default();
            assert_eq!(r.to_json(), want, "{c:?}");
        }
    }
}
