//! `phases.sessionMemory` settings (P3 §10).

use crate::settings::{CheckAt, PhaseSettings};
use schemars::JsonSchema;
use serde::Serialize;

/// Phase 3 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct SessionMemoryConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Per-session notes.
    pub notes: NotesConfig,
    /// Long-term memory extraction.
    pub long_term: LongTermConfig,
    /// How notes feed compaction.
    pub compaction: NotesCompactionConfig,
    /// Internal job retries and timeouts.
    pub jobs: JobsConfig,
    /// Shutdown drain.
    pub drain: DrainConfig,
}

impl Default for SessionMemoryConfig {
    fn default() -> Self {
        SessionMemoryConfig {
            enabled: true,
            notes: NotesConfig::default(),
            long_term: LongTermConfig::default(),
            compaction: NotesCompactionConfig::default(),
            jobs: JobsConfig::default(),
            drain: DrainConfig::default(),
        }
    }
}

/// Session notes settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct NotesConfig {
    /// Keep session notes.
    pub enabled: bool,
    /// Update the notes with an LLM job.
    pub llm: bool,
    /// Keep the deterministic worklog (no LLM needed).
    pub deterministic_worklog: bool,
    /// Path of a custom notes template (null: built-in).
    pub template: Option<String>,
    /// Tokens in the session before the notes are created.
    pub min_tokens_to_init: u64,
    /// Tokens between two note updates.
    pub min_tokens_between_updates: u64,
    /// Tool calls between two note updates.
    pub tool_calls_between_updates: u64,
    /// Soft cap per section.
    pub max_section_tokens: u64,
    /// Soft cap for the whole notes file.
    pub max_total_tokens: u64,
}

impl Default for NotesConfig {
    fn default() -> Self {
        NotesConfig {
            enabled: true,
            llm: true,
            deterministic_worklog: true,
            template: None,
            min_tokens_to_init: 10_000,
            min_tokens_between_updates: 5_000,
            tool_calls_between_updates: 3,
            max_section_tokens: 2_000,
            max_total_tokens: 12_000,
        }
    }
}

/// Long-term extraction settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct LongTermConfig {
    /// Extract long-term memories.
    pub enabled: bool,
    /// Extract after every N runs.
    pub every_n_runs: u64,
    /// Messages handed to one extraction.
    pub max_messages: u64,
    /// File operations one extraction may perform.
    pub max_ops: u64,
}

impl Default for LongTermConfig {
    fn default() -> Self {
        LongTermConfig {
            enabled: true,
            every_n_runs: 1,
            max_messages: 40,
            max_ops: 20,
        }
    }
}

/// How notes are used by compaction.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct NotesCompactionConfig {
    /// Give the notes to the summarizer.
    pub feed_notes: bool,
}

impl Default for NotesCompactionConfig {
    fn default() -> Self {
        NotesCompactionConfig { feed_notes: true }
    }
}

/// Internal job settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct JobsConfig {
    /// Attempts before a job is dead-lettered.
    pub max_attempts: u64,
    /// Timeout of one attempt in ms.
    pub timeout_ms: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            max_attempts: 3,
            timeout_ms: 120_000,
        }
    }
}

/// Shutdown drain settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct DrainConfig {
    /// Longest time spent finishing jobs at shutdown, in ms.
    pub timeout_ms: u64,
}

impl Default for DrainConfig {
    fn default() -> Self {
        DrainConfig { timeout_ms: 60_000 }
    }
}

impl PhaseSettings for SessionMemoryConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl SessionMemoryConfig {
    /// Range checks (the spec lists defaults only; bounds keep values sane).
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        let n = &self.notes;
        c.range(
            "notes.toolCallsBetweenUpdates",
            n.tool_calls_between_updates,
            1,
            10_000,
        );
        c.range("notes.maxSectionTokens", n.max_section_tokens, 1, 1_000_000);
        c.range("notes.maxTotalTokens", n.max_total_tokens, 1, 10_000_000);
        c.range(
            "longTerm.everyNRuns",
            self.long_term.every_n_runs,
            1,
            10_000,
        );
        c.range(
            "longTerm.maxMessages",
            self.long_term.max_messages,
            1,
            10_000,
        );
        c.range("longTerm.maxOps", self.long_term.max_ops, 1, 1_000);
        c.range("jobs.maxAttempts", self.jobs.max_attempts, 1, 100);
        c.range("jobs.timeoutMs", self.jobs.timeout_ms, 1_000, 600_000);
        c.range("drain.timeoutMs", self.drain.timeout_ms, 0, 600_000);
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(SessionMemoryConfig {
    "enabled" => enabled,
    "notes" => notes,
    "longTerm" => long_term,
    "compaction" => compaction,
    "jobs" => jobs,
    "drain" => drain,
});
crate::settings::read_struct!(NotesConfig {
    "enabled" => enabled,
    "llm" => llm,
    "deterministicWorklog" => deterministic_worklog,
    "template" => template,
    "minTokensToInit" => min_tokens_to_init,
    "minTokensBetweenUpdates" => min_tokens_between_updates,
    "toolCallsBetweenUpdates" => tool_calls_between_updates,
    "maxSectionTokens" => max_section_tokens,
    "maxTotalTokens" => max_total_tokens,
});
crate::settings::read_struct!(LongTermConfig {
    "enabled" => enabled,
    "everyNRuns" => every_n_runs,
    "maxMessages" => max_messages,
    "maxOps" => max_ops,
});
crate::settings::read_struct!(NotesCompactionConfig {
    "feedNotes" => feed_notes,
});
crate::settings::read_struct!(JobsConfig {
    "maxAttempts" => max_attempts,
    "timeoutMs" => timeout_ms,
});
crate::settings::read_struct!(DrainConfig {
    "timeoutMs" => timeout_ms,
});
