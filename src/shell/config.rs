//! `phases.bashSecurity` settings (P4 §9).

use crate::settings::{CheckAt, PhaseSettings};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Phase 4 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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

// The settings' unit enums share one hand-written `Deserialize`: serde's derive compiles a
// field visitor, an enum visitor and a `deserialize` per enum and per deserializer, about
// 10 KB of near-identical wasm (plugin size, README G-R3). The shared visitor behaves like the
// derive: the same accepted forms and the same error messages. `Serialize` and `JsonSchema`
// stay derived from the `serde` attributes above, so the config schema does not change; the
// names below are checked against `Serialize` by a test.

/// Deserializes a unit enum named `name` and returns the index of its variant in `variants`.
fn unit_variant<'de, D: serde::Deserializer<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<usize, D::Error> {
    d.deserialize_enum(name, variants, UnitEnum { name, variants })
}

/// The enum visitor of [`unit_variant`].
struct UnitEnum {
    name: &'static str,
    variants: &'static [&'static str],
}

impl<'de> serde::de::Visitor<'de> for UnitEnum {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "enum {}", self.name)
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
        let (i, v) = data.variant_seed(VariantName(self.variants))?;
        serde::de::VariantAccess::unit_variant(v)?;
        Ok(i)
    }
}

/// The variant identifier of [`UnitEnum`]: its index in the variant names.
struct VariantName(&'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for VariantName {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> serde::de::Visitor<'de> for VariantName {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                serde::de::Unexpected::Unsigned(v),
                &format!("variant index 0 <= i < {}", self.0.len()).as_str(),
            )),
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| *n == v)
            .ok_or_else(|| E::unknown_variant(v, self.0))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| n.as_bytes() == v)
            .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
    }
}

/// `Deserialize` for a unit enum through [`unit_variant`]; the names are its serde names.
macro_rules! unit_enum_deserialize {
    ($($t:ident { $($v:ident = $s:literal),+ $(,)? })+) => {$(
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($s),+];
                const VALUES: &[$t] = &[$($t::$v),+];
                let i = unit_variant(d, stringify!($t), NAMES)?;
                // `unit_variant` only returns indices of `NAMES`, which `VALUES` matches.
                VALUES
                    .get(i)
                    .copied()
                    .ok_or_else(|| serde::de::Error::custom("variant index out of range"))
            }
        }
    )+};
}

unit_enum_deserialize! {
    GrantScopeSetting { Session = "session", Agent = "agent" }
    AskAction { Approve = "approve", Block = "block", Allow = "allow" }
    Unlisted { Ask = "ask", Allow = "allow" }
    WorkspaceWrites { Allow = "allow", Ask = "ask" }
    RunProject { Allow = "allow", Ask = "ask", Sandbox = "sandbox" }
    GlobOptionInjection { Ask = "ask", Ignore = "ignore" }
    Dialect { BashZsh = "bash+zsh", Bash = "bash" }
    OnExceed { Deny = "deny", Ask = "ask" }
    ProcessMode { Analyze = "analyze", Ask = "ask", Off = "off" }
    CodeModeSetting { Audit = "audit", Ask = "ask", Off = "off" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_enum_names_match_serialize_and_the_derive_errors() {
        fn round<T>(values: &[T])
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
        {
            for v in values {
                let j = serde_json::to_value(v).unwrap();
                assert!(j.is_string(), "{j}");
                assert_eq!(&serde_json::from_value::<T>(j.clone()).unwrap(), v);
                let text = serde_json::to_string(v).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), v);
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
        let e = serde_json::from_value::<AskAction>(serde_json::json!("nope")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown variant `nope`, expected one of `approve`, `block`, `allow`"
        );
        let e = serde_json::from_str::<Dialect>("\"zsh\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown variant `zsh`, expected `bash+zsh` or `bash` at line 1 column 5"
        );
        let e = serde_json::from_value::<OnExceed>(serde_json::json!(3)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: integer `3`, expected string or map"
        );
        assert_eq!(
            serde_json::from_value::<OnExceed>(serde_json::json!({"deny": null})).unwrap(),
            OnExceed::Deny
        );
        // The derive's behaviour, for comparison: the same results and error texts.
        #[derive(Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Twin {
            Approve,
            Block,
            Allow,
        }
        let as_twin = |t: Twin| match t {
            Twin::Approve => AskAction::Approve,
            Twin::Block => AskAction::Block,
            Twin::Allow => AskAction::Allow,
        };
        for text in [
            "\"approve\"",
            "\"block\"",
            "\"allow\"",
            "\"nope\"",
            "\"\"",
            "3",
            "-1",
            "1.5",
            "null",
            "true",
            "[]",
            "[\"allow\"]",
            "{}",
            "{\"allow\":null}",
            "{\"allow\":1}",
            "{\"nope\":null}",
            "{\"allow\":null,\"block\":null}",
            "{\"allow\":[]}",
            "\"ALLOW\"",
        ] {
            let ours = serde_json::from_str::<AskAction>(text).map_err(|e| e.to_string());
            let derived = serde_json::from_str::<Twin>(text)
                .map(as_twin)
                .map_err(|e| e.to_string());
            assert_eq!(ours, derived, "{text}");
            let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
                continue;
            };
            let ours = serde_json::from_value::<AskAction>(v.clone()).map_err(|e| e.to_string());
            let derived = serde_json::from_value::<Twin>(v)
                .map(as_twin)
                .map_err(|e| e.to_string());
            assert_eq!(ours, derived, "{text}");
        }
    }
}
