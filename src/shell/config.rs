//! `phases.bashSecurity` settings (P4 §9).

use crate::settings::{CheckAt, PhaseSettings};
use schemars::JsonSchema;
use serde::Serialize;

/// Phase 4 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct BashSecurityConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// What an `ask` verdict does: OpenClaw approval, block, or allow (monitor mode).
    pub ask_action: AskAction,
    /// `allow` lifts the liftable asks of every command (deny-only mode, P4-R37).
    pub unlisted: Unlisted,
    /// Approval request settings.
    pub approval: ApprovalConfig,
    /// Operator rules: command prefixes written as shell text.
    pub rules: RulesConfig,
    /// Extra read-only command names for the allowlist.
    pub read_only_extra: Vec<String>,
    /// Extra secret path globs (check 23).
    pub secret_paths: Vec<String>,
    /// Extra persistence path globs (check 21).
    pub persistence_paths: Vec<String>,
    /// Unquoted leading-wildcard globs without `--`: ask or ignore.
    pub glob_option_injection: GlobOptionInjection,
    /// Which shell runs the commands: `bash+zsh` (either) or `bash`.
    pub dialect: Dialect,
    /// Parser and analysis limits.
    pub limits: LimitsConfig,
    /// Which OpenClaw tool surfaces are analysed.
    pub tools: ToolsConfig,
    /// Also register through OpenClaw's trusted tool policy (P4-R44).
    pub trusted_policy: bool,
    /// What an `allow-always` approval grants: scope and lifetime (issue 16 item 9).
    pub grants: GrantsConfig,
    /// Commands that only read and write files inside the workspace or the temp dir:
    /// `allow` (the workspace tier, issue 16 item 5) or `ask`.
    pub workspace_writes: WorkspaceWrites,
    /// Running the project's build and test entry points, scripts and dependency installs
    /// into the project: `allow`, `ask`, or `sandbox` (allow only when OpenClaw runs the
    /// command in its sandbox), issue 16 item 6.
    pub run_project: RunProject,
}

/// `grants`: an `allow-always` answer stores a grant for the command's pattern.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct GrantsConfig {
    /// `session` (default): the grant holds in the session it was given in; `agent`: in
    /// every session of that agent.
    pub scope: GrantScopeSetting,
    /// Hours a grant lives (1 to 720).
    pub ttl_hours: u64,
}

impl Default for GrantsConfig {
    fn default() -> Self {
        GrantsConfig {
            scope: GrantScopeSetting::Session,
            ttl_hours: 24,
        }
    }
}

/// `grants.scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GrantScopeSetting {
    /// One session.
    Session,
    /// Every session of one agent.
    Agent,
}

impl GrantScopeSetting {
    /// The stored scope.
    pub fn scope(self) -> super::grants::GrantScope {
        match self {
            GrantScopeSetting::Session => super::grants::GrantScope::Session,
            GrantScopeSetting::Agent => super::grants::GrantScope::Agent,
        }
    }
}

impl Default for BashSecurityConfig {
    fn default() -> Self {
        BashSecurityConfig {
            enabled: true,
            ask_action: AskAction::Approve,
            unlisted: Unlisted::Ask,
            approval: ApprovalConfig::default(),
            rules: RulesConfig::default(),
            read_only_extra: Vec::new(),
            secret_paths: Vec::new(),
            persistence_paths: Vec::new(),
            glob_option_injection: GlobOptionInjection::Ask,
            dialect: Dialect::BashZsh,
            limits: LimitsConfig::default(),
            tools: ToolsConfig::default(),
            trusted_policy: false,
            grants: GrantsConfig::default(),
            workspace_writes: WorkspaceWrites::Allow,
            run_project: RunProject::Sandbox,
        }
    }
}

/// `askAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AskAction {
    /// OpenClaw's `requireApproval` flow.
    Approve,
    /// Block with the ask message.
    Block,
    /// Allow and audit (trusted headless setups).
    Allow,
}

/// `unlisted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unlisted {
    /// Commands outside the read-only allowlist ask.
    Ask,
    /// Liftable asks are lifted for every command.
    Allow,
}

/// `workspaceWrites`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceWrites {
    /// Writes inside the workspace or the temp dir are allowed (`exec.allow.workspace_write`).
    Allow,
    /// Every write asks.
    Ask,
}

/// `runProject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunProject {
    /// Running the project's code is allowed (`exec.allow.run_project`).
    Allow,
    /// It asks (`exec.ask.run_project`, liftable by allow rules).
    Ask,
    /// Allowed when OpenClaw runs the command in its sandbox, asks otherwise.
    Sandbox,
}

/// `globOptionInjection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GlobOptionInjection {
    /// Ask for `tail *`-style globs.
    Ask,
    /// Ignore them.
    Ignore,
}

/// `dialect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Dialect {
    /// The executing shell may be bash or zsh.
    #[serde(rename = "bash+zsh")]
    BashZsh,
    /// Commands run with bash (checks 19–20 become info).
    #[serde(rename = "bash")]
    Bash,
}

/// Approval settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ApprovalConfig {
    /// How long an approval request waits, in ms (OpenClaw caps it at 600000).
    pub timeout_ms: u64,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        ApprovalConfig {
            timeout_ms: 120_000,
        }
    }
}

/// Operator rules (P4 §6.6).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct RulesConfig {
    /// Prefixes whose liftable asks are lifted.
    pub allow: Vec<String>,
    /// Prefixes that always ask.
    pub ask: Vec<String>,
    /// Prefixes that are always denied, wherever they appear.
    pub deny: Vec<String>,
}

/// What a limit hit yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnExceed {
    /// Deny.
    Deny,
    /// Ask (default).
    Ask,
}

/// Parser and analysis limits (P4 §2).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct LimitsConfig {
    /// Whole command in bytes, heredoc bodies included.
    pub max_input_bytes: u64,
    /// AST nodes.
    pub max_nodes: u64,
    /// Nesting depth of substitutions, subshells, groups and nested scripts.
    pub max_depth: u64,
    /// Executed simple commands, nested ones included.
    pub max_commands: u64,
    /// Words one brace expansion may produce.
    pub max_brace_words: u64,
    /// Verdict when a limit is exceeded.
    pub on_exceed: OnExceed,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_input_bytes: 65_536,
            max_nodes: 50_000,
            max_depth: 64,
            max_commands: 1_000,
            max_brace_words: 1_024,
            // Issue 16 item 8: a limit is ask by default (never allow); the literal text
            // scan still denies on a hit.
            on_exceed: OnExceed::Ask,
        }
    }
}

/// `tools.process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProcessMode {
    /// Analyse text written to a running process, line by line.
    Analyze,
    /// Ask for every input write.
    Ask,
    /// Ignore the process tool.
    Off,
}

/// `tools.codeMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CodeModeSetting {
    /// Allow and journal.
    Audit,
    /// Ask.
    Ask,
    /// Ignore.
    Off,
}

/// Tool surfaces (P4-R42).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ToolsConfig {
    /// Analyse `exec`.
    pub exec: bool,
    /// Handling of `process` input writes.
    pub process: ProcessMode,
    /// Handling of Code Mode exec (JavaScript, not shell).
    pub code_mode: CodeModeSetting,
}

impl Default for ToolsConfig {
    fn default() -> Self {
        ToolsConfig {
            exec: true,
            process: ProcessMode::Analyze,
            code_mode: CodeModeSetting::Audit,
        }
    }
}

impl PhaseSettings for BashSecurityConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

/// Whether `readOnlyExtra` may never name this command: shells, interpreters, wrappers and
/// anything the deny rules look at (P4 §9).
fn never_read_only(name: &str) -> bool {
    use super::tables;
    tables::is(name, tables::Classes::SHELL | tables::Classes::WRAPPER)
        || tables::interpreter_family(name).is_some()
        || tables::is_deny_rule_command(name)
}

impl BashSecurityConfig {
    /// P4 §9 validation.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        let l = &self.limits;
        let d = LimitsConfig::default();
        c.range(
            "limits.maxInputBytes",
            l.max_input_bytes,
            1,
            d.max_input_bytes * 4,
        );
        c.range("limits.maxNodes", l.max_nodes, 1, d.max_nodes * 4);
        c.range("limits.maxDepth", l.max_depth, 1, d.max_depth * 4);
        c.range("limits.maxCommands", l.max_commands, 1, d.max_commands * 4);
        c.range(
            "limits.maxBraceWords",
            l.max_brace_words,
            1,
            d.max_brace_words * 4,
        );
        c.range(
            "approval.timeoutMs",
            self.approval.timeout_ms,
            1_000,
            600_000,
        );
        c.range("grants.ttlHours", self.grants.ttl_hours, 1, 720);
        for (i, name) in self.read_only_extra.iter().enumerate() {
            let key = format!("readOnlyExtra[{i}]");
            if name.is_empty() || name.contains('/') || name.chars().any(char::is_whitespace) {
                c.fail(
                    &key,
                    format!("must be a plain command name (no `/`, no blanks), got {name:?}"),
                );
            } else if never_read_only(name) {
                c.fail(&key, format!("`{name}` is a shell, interpreter, wrapper or a command the deny rules inspect, and can never be read-only"));
            }
        }
        for (list, rules) in [
            ("allow", &self.rules.allow),
            ("ask", &self.rules.ask),
            ("deny", &self.rules.deny),
        ] {
            for (i, r) in rules.iter().enumerate() {
                if let Err(msg) = super::rules::parse_rule(r) {
                    c.fail(&format!("rules.{list}[{i}]"), msg);
                }
            }
        }
        for (list, globs) in [
            ("secretPaths", &self.secret_paths),
            ("persistencePaths", &self.persistence_paths),
        ] {
            for (i, g) in globs.iter().enumerate() {
                if g.trim().is_empty() {
                    c.fail(
                        &format!("{list}[{i}]"),
                        "must be a non-empty path glob".into(),
                    );
                }
            }
        }
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(BashSecurityConfig {
    "enabled" => enabled,
    "askAction" => ask_action,
    "unlisted" => unlisted,
    "approval" => approval,
    "rules" => rules,
    "readOnlyExtra" => read_only_extra,
    "secretPaths" => secret_paths,
    "persistencePaths" => persistence_paths,
    "globOptionInjection" => glob_option_injection,
    "dialect" => dialect,
    "limits" => limits,
    "tools" => tools,
    "trustedPolicy" => trusted_policy,
    "grants" => grants,
    "workspaceWrites" => workspace_writes,
    "runProject" => run_project,
});
crate::settings::read_struct!(GrantsConfig {
    "scope" => scope,
    "ttlHours" => ttl_hours,
});
crate::settings::read_struct!(ApprovalConfig {
    "timeoutMs" => timeout_ms,
});
crate::settings::read_struct!(RulesConfig {
    "allow" => allow,
    "ask" => ask,
    "deny" => deny,
});
crate::settings::read_struct!(LimitsConfig {
    "maxInputBytes" => max_input_bytes,
    "maxNodes" => max_nodes,
    "maxDepth" => max_depth,
    "maxCommands" => max_commands,
    "maxBraceWords" => max_brace_words,
    "onExceed" => on_exceed,
});
crate::settings::read_struct!(ToolsConfig {
    "exec" => exec,
    "process" => process,
    "codeMode" => code_mode,
});
crate::settings::read_enum! {
    GrantScopeSetting { Session = "session", Agent = "agent" }
    AskAction { Approve = "approve", Block = "block", Allow = "allow" }
    Unlisted { Ask = "ask", Allow = "allow" }
    WorkspaceWrites { Allow = "allow", Ask = "ask" }
    RunProject { Allow = "allow", Ask = "ask", Sandbox = "sandbox" }
    GlobOptionInjection { Ask = "ask", Ignore = "ignore" }
    OnExceed { Deny = "deny", Ask = "ask" }
    ProcessMode { Analyze = "analyze", Ask = "ask", Off = "off" }
    CodeModeSetting { Audit = "audit", Ask = "ask", Off = "off" }
    Dialect { BashZsh = "bash+zsh", Bash = "bash" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_enum_names_match_serialize_and_the_old_derive_errors() {
        use crate::settings::{At, ReadJson};
        fn round<T: Serialize + ReadJson + PartialEq + std::fmt::Debug>(values: &[T]) {
            for v in values {
                let j = serde_json::to_value(v).unwrap();
                assert!(j.is_string(), "{j}");
                assert_eq!(&T::read_json(&j, &At::Root).unwrap(), v);
            }
        }
        use GrantScopeSetting as G;
        round(&[G::Session, G::Agent]);
        round(&[AskAction::Approve, AskAction::Block, AskAction::Allow]);
        round(&[Unlisted::Ask, Unlisted::Allow]);
        round(&[WorkspaceWrites::Allow, WorkspaceWrites::Ask]);
        round(&[RunProject::Allow, RunProject::Ask, RunProject::Sandbox]);
        round(&[GlobOptionInjection::Ask, GlobOptionInjection::Ignore]);
        round(&[Dialect::BashZsh, Dialect::Bash]);
        round(&[OnExceed::Deny, OnExceed::Ask]);
        round(&[ProcessMode::Analyze, ProcessMode::Ask, ProcessMode::Off]);
        round(&[
            CodeModeSetting::Audit,
            CodeModeSetting::Ask,
            CodeModeSetting::Off,
        ]);
        // The texts serde's derive gave through serde_json's text reader.
        let at = At::Root;
        let at = At::Key(&at, "k");
        let msg = |j: serde_json::Value| AskAction::read_json(&j, &at).unwrap_err().message;
        assert_eq!(
            msg(crate::json!("nope")),
            "unknown variant `nope`, expected one of `approve`, `block`, `allow`"
        );
        assert_eq!(
            msg(crate::json!("ALLOW")),
            "unknown variant `ALLOW`, expected one of `approve`, `block`, `allow`"
        );
        assert_eq!(
            Dialect::read_json(&crate::json!("zsh"), &at)
                .unwrap_err()
                .message,
            "unknown variant `zsh`, expected `bash+zsh` or `bash`"
        );
        for j in [
            crate::json!(3),
            crate::json!(null),
            crate::json!(true),
            crate::json!([]),
            // The one-key object form the derive accepted is refused (`read_enum!`).
            crate::json!({"allow": null}),
        ] {
            assert_eq!(msg(j), "expected value");
        }
    }
}
