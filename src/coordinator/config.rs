//! `phases.coordinator` settings (P6 §7).

use crate::contract::GuardMode;
use crate::settings::{CheckAt, PhaseSettings};
use crate::sorted::SortedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Phase 6 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct CoordinatorConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Per-agent mode, keyed by agent id.
    pub agents: SortedMap<String, AgentMode>,
    /// On resume, switch to the mode the session was in.
    pub follow_resumed_mode: bool,
    /// Let coordinators choose a worker's model.
    pub allow_worker_model: bool,
    /// Duplicate spawn guard.
    pub dedupe: GuardMode,
    /// Tools that count as coordination tools.
    pub tools: Vec<String>,
    /// Tools whose target session is checked for ownership.
    pub target_tools: Vec<String>,
    /// Block calls that target another coordinator's workers.
    pub block_foreign_targets: bool,
    /// Tell the parent when a worker ends.
    pub notify_parent: bool,
    /// Minutes after which a running worker counts as stale.
    pub stale_run_minutes: u64,
    /// Resume integrity settings.
    pub resume: ResumeConfig,
}

impl Default for CoordinatorConfig {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        CoordinatorConfig {
            enabled: true,
            agents: SortedMap::new(),
            follow_resumed_mode: true,
            allow_worker_model: false,
            dedupe: GuardMode::Block,
            tools: s(&[
                "sessions_spawn",
                "sessions_yield",
                "subagents",
                "sessions_send",
                "agent_ops_workers",
            ]),
            target_tools: s(&["subagents", "sessions_send", "sessions_yield"]),
            block_foreign_targets: true,
            notify_parent: true,
            stale_run_minutes: 120,
            resume: ResumeConfig::default(),
        }
    }
}

/// One agent's mode.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentMode {
    /// `coordinator` or `normal`.
    pub mode: ModeSetting,
}

/// Coordinator or normal mode (`Default`: `Normal`, only as the state reader's placeholder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeSetting {
    /// Orchestrates workers.
    Coordinator,
    /// An ordinary agent.
    #[default]
    Normal,
}

/// Resume settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ResumeConfig {
    /// Repair resumed transcripts in the model request.
    pub sanitize_transcripts: bool,
    /// Also write the repairs to the stored transcript.
    pub persist_repairs: bool,
}

impl Default for ResumeConfig {
    fn default() -> Self {
        ResumeConfig {
            sanitize_transcripts: true,
            persist_repairs: false,
        }
    }
}

impl PhaseSettings for CoordinatorConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl CoordinatorConfig {
    /// Range checks.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        c.range("staleRunMinutes", self.stale_run_minutes, 1, 525_600);
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(CoordinatorConfig {
    "enabled" => enabled,
    "agents" => agents,
    "followResumedMode" => follow_resumed_mode,
    "allowWorkerModel" => allow_worker_model,
    "dedupe" => dedupe,
    "tools" => tools,
    "targetTools" => target_tools,
    "blockForeignTargets" => block_foreign_targets,
    "notifyParent" => notify_parent,
    "staleRunMinutes" => stale_run_minutes,
    "resume" => resume,
});
crate::settings::read_struct!(ResumeConfig {
    "sanitizeTranscripts" => sanitize_transcripts,
    "persistRepairs" => persist_repairs,
});
crate::json::read::json_enum! {
    ModeSetting { Coordinator = "coordinator", Normal = "normal" }
}

crate::settings::read_enum! {
    ModeSetting { Coordinator = "coordinator", Normal = "normal" }
}

impl crate::settings::ReadJson for AgentMode {
    fn read_json(
        v: &serde_json::Value,
        at: &crate::settings::At<'_>,
    ) -> Result<Self, crate::settings::ConfigError> {
        // `mode` is required (no `#[serde(default)]`), hence no `read_struct!`.
        let mut mode = None;
        for (k, x) in crate::settings::struct_entries(v, at, "AgentMode")? {
            let here = crate::settings::At::Key(at, k);
            match k.as_str() {
                "mode" => mode = Some(crate::settings::ReadJson::read_json(x, &here)?),
                _ => return Err(crate::settings::unknown_key(&here, k, &["mode"])),
            }
        }
        match mode {
            Some(mode) => Ok(AgentMode { mode }),
            None => Err(crate::settings::missing_field(at, "mode")),
        }
    }
}
