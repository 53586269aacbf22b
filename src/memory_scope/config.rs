//! `phases.memoryScoping` settings (P5 §10).

pub use crate::contract::GuardMode;
use crate::settings::{CheckAt, PhaseSettings};
use crate::sorted::SortedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Phase 5 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct MemoryScopingConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Scope of agents without an entry in `agents`.
    pub default_scope: Scope,
    /// Per-agent scope overrides, keyed by agent id.
    pub agents: SortedMap<String, AgentScope>,
    /// What happens to writes into another agent's memory directory.
    pub isolation: GuardMode,
    /// Extra guidance appended to the memory instructions (null: none).
    pub extra_guidelines: Option<String>,
    /// Project snapshots that seed memories.
    pub snapshots: SnapshotsConfig,
    /// Caps on memory directory scans.
    pub scan: ScanConfig,
    /// Caps on the injected memory index.
    pub entrypoint: EntrypointConfig,
    /// Relevance recall of memory files.
    pub recall: RecallConfig,
    /// Model tiers.
    pub tiers: TiersConfig,
    /// Which tier each internal job uses.
    pub routing: RoutingConfig,
    /// Route subagent runs to tiers.
    pub route_subagents: bool,
    /// Tier per subagent agent id.
    pub subagent_tiers: SortedMap<String, Tier>,
    /// Cost attribution.
    pub costs: CostsConfig,
}

impl Default for MemoryScopingConfig {
    fn default() -> Self {
        MemoryScopingConfig {
            enabled: true,
            default_scope: Scope::Project,
            agents: SortedMap::new(),
            isolation: GuardMode::Block,
            extra_guidelines: None,
            snapshots: SnapshotsConfig::default(),
            scan: ScanConfig::default(),
            entrypoint: EntrypointConfig::default(),
            recall: RecallConfig::default(),
            tiers: TiersConfig::default(),
            routing: RoutingConfig::default(),
            route_subagents: false,
            subagent_tiers: SortedMap::new(),
            costs: CostsConfig::default(),
        }
    }
}

/// A memory scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Per user, across projects.
    User,
    /// Per project, shared through the repository.
    Project,
    /// Per project on this machine only.
    Local,
    /// No memory.
    None,
}

/// One agent's scope override.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentScope {
    /// The agent's scope.
    pub scope: Scope,
}

/// A model tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// The session's own model.
    Main,
    /// `tiers.fast`.
    Fast,
}

/// Snapshot settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct SnapshotsConfig {
    /// Seed memories from project snapshots.
    pub enabled: bool,
    /// Scopes that snapshots apply to.
    pub scopes: Vec<Scope>,
}

impl Default for SnapshotsConfig {
    fn default() -> Self {
        SnapshotsConfig {
            enabled: true,
            scopes: vec![Scope::User],
        }
    }
}

/// Scan caps.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ScanConfig {
    /// Memory files read per scan.
    pub max_files: u64,
    /// Frontmatter lines read per file.
    pub frontmatter_max_lines: u64,
    /// Directory entries visited per scan.
    pub max_entries: u64,
    /// Directory depth.
    pub max_depth: u64,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            max_files: 200,
            frontmatter_max_lines: 30,
            max_entries: 5_000,
            max_depth: 8,
        }
    }
}

/// Caps on the injected index file.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct EntrypointConfig {
    /// Lines injected.
    pub max_lines: u64,
    /// Bytes injected.
    pub max_bytes: u64,
}

impl Default for EntrypointConfig {
    fn default() -> Self {
        EntrypointConfig {
            max_lines: 200,
            max_bytes: 25_000,
        }
    }
}

/// Relevance recall settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct RecallConfig {
    /// Select relevant memory files per turn.
    pub enabled: bool,
    /// Files selected per turn.
    pub max_selected: u64,
    /// Longest wait for the relevance job, in ms.
    pub wait_ms: u64,
}

impl Default for RecallConfig {
    fn default() -> Self {
        RecallConfig {
            enabled: true,
            max_selected: 5,
            wait_ms: 2_500,
        }
    }
}

/// Tier definitions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct TiersConfig {
    /// `"provider/model"` of the fast tier (null: none).
    pub fast: Option<String>,
}

/// Tier per internal job purpose.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// Session notes updates.
    pub session_notes: Tier,
    /// Long-term memory extraction.
    pub memory_extract: Tier,
    /// Relevance selection.
    pub relevance: Tier,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        RoutingConfig {
            session_notes: Tier::Main,
            memory_extract: Tier::Main,
            relevance: Tier::Fast,
        }
    }
}

/// Cost attribution settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct CostsConfig {
    /// Record the cost of every LLM call.
    pub enabled: bool,
    /// Deprecated (issue 20): the daily dollar cap of all agents is
    /// `phases.loopBudget.allAgents.maxDailyCostUsd`; this key still sets it when that is unset.
    pub daily_budget_usd: Option<f64>,
}

impl Default for CostsConfig {
    fn default() -> Self {
        CostsConfig {
            enabled: true,
            daily_budget_usd: None,
        }
    }
}

impl PhaseSettings for MemoryScopingConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl MemoryScopingConfig {
    /// Range checks.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        c.range("scan.maxFiles", self.scan.max_files, 1, 100_000);
        c.range(
            "scan.frontmatterMaxLines",
            self.scan.frontmatter_max_lines,
            1,
            10_000,
        );
        c.range("scan.maxEntries", self.scan.max_entries, 1, 1_000_000);
        c.range("scan.maxDepth", self.scan.max_depth, 1, 64);
        c.range("entrypoint.maxLines", self.entrypoint.max_lines, 1, 100_000);
        c.range(
            "entrypoint.maxBytes",
            self.entrypoint.max_bytes,
            1,
            10_000_000,
        );
        c.range("recall.maxSelected", self.recall.max_selected, 1, 100);
        c.range("recall.waitMs", self.recall.wait_ms, 0, 60_000);
        if let Some(f) = &self.tiers.fast {
            if !f.contains('/') || f.starts_with('/') || f.ends_with('/') {
                c.fail(
                    "tiers.fast",
                    format!("must be \"provider/model\", got {f:?}"),
                );
            }
        }
        if let Some(b) = self.costs.daily_budget_usd {
            if !(b.is_finite() && b > 0.0) {
                c.fail(
                    "costs.dailyBudgetUsd",
                    format!("must be a positive number or null, got {b}"),
                );
            }
        }
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(MemoryScopingConfig {
    "enabled" => enabled,
    "defaultScope" => default_scope,
    "agents" => agents,
    "isolation" => isolation,
    "extraGuidelines" => extra_guidelines,
    "snapshots" => snapshots,
    "scan" => scan,
    "entrypoint" => entrypoint,
    "recall" => recall,
    "tiers" => tiers,
    "routing" => routing,
    "routeSubagents" => route_subagents,
    "subagentTiers" => subagent_tiers,
    "costs" => costs,
});
crate::settings::read_struct!(SnapshotsConfig {
    "enabled" => enabled,
    "scopes" => scopes,
});
crate::settings::read_struct!(ScanConfig {
    "maxFiles" => max_files,
    "frontmatterMaxLines" => frontmatter_max_lines,
    "maxEntries" => max_entries,
    "maxDepth" => max_depth,
});
crate::settings::read_struct!(EntrypointConfig {
    "maxLines" => max_lines,
    "maxBytes" => max_bytes,
});
crate::settings::read_struct!(RecallConfig {
    "enabled" => enabled,
    "maxSelected" => max_selected,
    "waitMs" => wait_ms,
});
crate::settings::read_struct!(TiersConfig {
    "fast" => fast,
});
crate::settings::read_struct!(RoutingConfig {
    "session_notes" => session_notes,
    "memory_extract" => memory_extract,
    "relevance" => relevance,
});
crate::settings::read_struct!(CostsConfig {
    "enabled" => enabled,
    "dailyBudgetUsd" => daily_budget_usd,
});
crate::settings::read_enum! {
    Scope { User = "user", Project = "project", Local = "local", None = "none" }
    Tier { Main = "main", Fast = "fast" }
}

impl crate::settings::ReadJson for AgentScope {
    fn read_json(
        v: &serde_json::Value,
        at: &crate::settings::At<'_>,
    ) -> Result<Self, crate::settings::ConfigError> {
        // `scope` is required (no `#[serde(default)]`), hence no `read_struct!`.
        let mut scope = None;
        for (k, x) in crate::settings::struct_entries(v, at, "AgentScope")? {
            let here = crate::settings::At::Key(at, k);
            match k.as_str() {
                "scope" => scope = Some(crate::settings::ReadJson::read_json(x, &here)?),
                _ => return Err(crate::settings::unknown_key(&here, k, &["scope"])),
            }
        }
        match scope {
            Some(scope) => Ok(AgentScope { scope }),
            None => Err(crate::settings::missing_field(at, "scope")),
        }
    }
}
