//! The seven phases as data: key, number, title, what each is for and whether it is built.
//!
//! `agent-ops doctor`, the manifest's `uiHints` and `init` all read this one table.

/// Static facts about one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseInfo {
    /// Config key under `phases`.
    pub key: &'static str,
    /// Phase number 1–7.
    pub number: u8,
    /// Short title.
    pub title: &'static str,
    /// One sentence for people.
    pub summary: &'static str,
    /// Whether the phase does its work yet (an unimplemented phase registers no hooks).
    pub implemented: bool,
    /// Decision-log area of the phase (README G-R10).
    pub area: &'static str,
}

/// The seven phases in order.
pub const PHASES: [PhaseInfo; 7] = [
    PhaseInfo {
        key: "compaction",
        number: 1,
        title: "Compaction governance",
        summary: "Token thresholds, an auto-compact gate, a 3-strike circuit breaker and microcompaction of old tool results.",
        implemented: true,
        area: "compaction",
    },
    PhaseInfo {
        key: "loopBudget",
        number: 2,
        title: "Loop termination and budgets",
        summary: "Caps on model calls, tool calls and tokens, repeat and cycle detection, token-target continuation.",
        implemented: true,
        area: "budget",
    },
    PhaseInfo {
        key: "sessionMemory",
        number: 3,
        title: "Session memory",
        summary: "Session notes and long-term memory extraction with cursors and a crash-safe job journal.",
        implemented: true,
        area: "memory",
    },
    PhaseInfo {
        key: "bashSecurity",
        number: 4,
        title: "Bash/exec command security",
        summary: "Every shell command the agent runs is parsed and checked, then allowed, sent for approval or denied with a reason.",
        implemented: true,
        area: "exec",
    },
    PhaseInfo {
        key: "memoryScoping",
        number: 5,
        title: "Memory scoping",
        summary: "User, project and local memory directories, snapshots, scan caps, cost attribution and model tiers.",
        implemented: true,
        area: "scope",
    },
    PhaseInfo {
        key: "coordinator",
        number: 6,
        title: "Coordinator resume integrity",
        summary: "Mode matching on resume, worker tracking, duplicate and foreign result protection.",
        implemented: true,
        area: "coord",
    },
    PhaseInfo {
        key: "forkSkills",
        number: 7,
        title: "Forked agents and skills",
        summary: "Cache-safe forks, fork isolation, skill resolution, change detection and skillify.",
        implemented: true,
        area: "fork",
    },
];

/// The phase with this config key.
pub fn phase_by_key(key: &str) -> Option<&'static PhaseInfo> {
    PHASES.iter().find(|p| p.key == key)
}
