//! Phase 3's hooks (issue 18 item 2): registrations and the service, the notes template, the
//! hook dispatch, job completion and the tick, and what phase 3 answers other phases through
//! the runtime's `interplay` (the notes of a compaction and of skillify, the wait before a
//! compaction, the notes cursor after one).

use super::keeper::NotesKeeper;
use super::notes::Template;
use super::SessionMemoryConfig;
use crate::contract::{
    fail_open, orphan_job, Diagnostic, HostInfo, Outcome, PhaseCore, PhaseCtx, PhaseInit,
    Registration, ServiceSpec,
};
use crate::host::{join_path, Host, LogLevel};
use crate::json;
use crate::memdir::MemoryTarget;
use crate::settings::ConfigError;
use serde_json::Value;

/// The phase key.
const KEY: &str = "sessionMemory";

/// Hooks phase 3 listens to.
const HOOKS: [&str; 6] = [
    "agent_end",
    "after_tool_call",
    "after_compaction",
    "session_end",
    "gateway_stop",
    "gateway_start",
];

/// How often the service ticks (retries, replay, stale jobs).
pub const TICK_MS: u64 = 2_000;

fn reg(hook: &str) -> Registration {
    // P3-R23: fail open.
    fail_open(KEY, hook, 0, None)
}

/// The plugin's background service: ticks and the stop drain (phase 3's, also started for
/// the other phases that tick).
pub fn service() -> ServiceSpec {
    ServiceSpec {
        id: "agent-ops".into(),
        tick_ms: TICK_MS,
        start_handler: "service_start".into(),
        stop_handler: "sessionMemory:service_stop".into(),
    }
}

/// Registrations and the service. Without conversation access `agent_end` carries no
/// messages (only the deterministic worklog runs, P3-R18) and no prompt hook is registered.
pub fn init(info: &HostInfo) -> PhaseInit {
    let mut init = PhaseInit::default();
    for h in HOOKS {
        init.registrations.push(reg(h));
    }
    if info.conversation_access != Some(false) {
        // P3-R21: notes offered on resume and after compaction.
        init.registrations.push(reg("before_prompt_build"));
    }
    init.service = Some(service());
    init
}

/// Loads the notes template (config `notes.template`, a path with an optional `~/`); errors
/// name the key.
pub fn load_template(
    path: Option<&str>,
    home: &str,
    host: &dyn Host,
) -> Result<Template, ConfigError> {
    let Some(p) = path else {
        return Ok(Template::builtin());
    };
    let full = if p == "~" {
        home.to_string()
    } else if let Some(rest) = p.strip_prefix("~/") {
        join_path(home, rest)
    } else {
        p.to_string()
    };
    let err = |m: String| ConfigError {
        path: "phases.sessionMemory.notes.template".into(),
        message: m,
    };
    let bytes = host.fs_read(&full, 64 * 1024).map_err(|e| {
        err(format!(
            "memory.config.bad_template: cannot read {full}: {e}"
        ))
    })?;
    Template::parse(&String::from_utf8_lossy(&bytes)).map_err(err)
}

/// What phase 3 gets from the runtime for a call: the notes template of the applied config
/// and, for `agent_end` and `after_tool_call`, where phase 5 keeps this agent's memory.
pub struct SessionInput<'a> {
    /// The notes template.
    pub template: &'a Template,
    /// The agent's memory target (phase 5), when memory scoping resolved one.
    pub memory: Option<MemoryTarget>,
}

impl PhaseCore for NotesKeeper {
    type Config = SessionMemoryConfig;
    type Input<'a> = SessionInput<'a>;
    const KEY: &'static str = KEY;

    /// One phase-3 hook call (also `service_start` and `service_stop` of the service).
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, SessionMemoryConfig>,
        name: &str,
        event: &Value,
        input: SessionInput<'_>,
    ) -> Outcome {
        let generation = || event.get("service").and_then(Value::as_u64);
        if name == "after_tool_call" {
            let workspace = cx.workspace();
            self.after_tool_call(event, cx.ctx, &workspace, input.memory.as_ref());
            return Outcome::default();
        }
        // One clock reading for the whole call: every record of it carries the same instant.
        let now = cx.now_ms();
        let t = input.template;
        match name {
            "agent_end" => self.agent_end(cx, now, t, event, input.memory),
            "after_compaction" => self.after_compaction(cx, now),
            "before_prompt_build" => self.before_prompt_build(cx, t),
            "session_end" => self.session_end(cx, now, event),
            "gateway_stop" | "service_stop" => self.drain_from(cx, now, name, generation()),
            "service_start" => self.service_start(cx, now, t, generation()),
            "gateway_start" => NotesKeeper::tick(self, cx, now, t),
            _ => Outcome::default(),
        }
    }

    fn tick(&mut self, cx: &PhaseCtx<'_, SessionMemoryConfig>, input: SessionInput<'_>) -> Outcome {
        NotesKeeper::tick(self, cx, cx.now_ms(), input.template)
    }

    fn owns_job(&self, job_id: &str) -> bool {
        self.owns(job_id)
    }

    /// The result of one of phase 3's LLM jobs.
    fn job_done(
        &mut self,
        cx: &PhaseCtx<'_, SessionMemoryConfig>,
        job_id: &str,
        outcome_value: &Value,
        input: SessionInput<'_>,
    ) -> Outcome {
        self.complete(cx, cx.now_ms(), input.template, job_id, outcome_value)
    }

    /// A phase 3 job (`notes-…`, `lt-…`, [`super::jobs::new_id`]) that another core started:
    /// re-queued here ([`NotesKeeper::adopt_orphan`]).
    fn adopt_job(
        &mut self,
        cx: &PhaseCtx<'_, SessionMemoryConfig>,
        job_id: &str,
        outcome_value: &Value,
        _: SessionInput<'_>,
    ) -> Option<Outcome> {
        if !(job_id.starts_with("notes-") || job_id.starts_with("lt-")) {
            return None;
        }
        let (mut result, fate) = self.adopt_orphan(cx, cx.now_ms(), job_id, outcome_value);
        result.diagnostics.push(orphan_job(job_id, &fate));
        Some(result)
    }
}

impl NotesKeeper {
    /// P3-R4 after our own engine's compaction of `key`: the covered-notes cursor is void.
    /// A cursor change writes no notes, so no template is needed.
    pub fn compacted(&mut self, cx: &PhaseCtx<'_, SessionMemoryConfig>, key: &str) -> Outcome {
        self.on_compacted(cx, cx.now_ms(), key)
    }

    /// P3-R17: `{jobs, waitMs}` for a compaction of the session `key`, or null.
    pub fn compact_wait(&self, cx: &PhaseCtx<'_, SessionMemoryConfig>, key: &str) -> Value {
        match self.notes_wait(key, cx.now_ms()) {
            Some((jobs, wait)) => json!({ "jobs": jobs, "waitMs": wait }),
            None => Value::Null,
        }
    }

    /// P3-R19: the session notes for a delegated compaction's instructions (`None`: nothing
    /// to add).
    pub fn notes_for_compaction(
        &self,
        cx: &PhaseCtx<'_, SessionMemoryConfig>,
        template: &Template,
        session_id: Option<&str>,
        key: &str,
    ) -> Option<String> {
        self.compaction_notes(cx, template, session_id, key)
    }

    /// The session's notes excerpted (P3-R19), for skillify (phase 7).
    pub fn notes_for_skillify(
        &self,
        cx: &PhaseCtx<'_, SessionMemoryConfig>,
        template: &Template,
        key: &str,
        session_id: Option<&str>,
    ) -> Option<String> {
        self.notes_excerpt(cx, template, session_id, key, 4_000)
    }
}

/// P3-R20: `phases.sessionMemory.compaction.useNotesAsSummary` was accepted and ignored; it is
/// removed from the schema. A config that still sets it gets a warning naming the key (not the
/// generic unknown-key error, which would read as a typo) and runs as before: the notes reach
/// the summariser through `feedNotes`. Using the notes as the summary would need the context
/// engine to return its own compaction result with a kept-message boundary it computes itself
/// (phase 1's compaction path), which this version does not do. Returns the warning.
pub fn strip_removed_keys(config: &mut Value) -> Option<Diagnostic> {
    let c = config
        .get_mut("phases")
        .and_then(|p| p.get_mut("sessionMemory"))
        .and_then(|m| m.get_mut("compaction"))
        .and_then(Value::as_object_mut)?;
    let v = c.remove("useNotesAsSummary")?;
    Some(Diagnostic {
        level: LogLevel::Warn,
        code: "memory.config.removed".into(),
        message: format!(
            "phases.sessionMemory.compaction.useNotesAsSummary ({v}) is no longer supported and is ignored: notes are not used as the compaction summary; they reach the summariser through compaction.feedNotes. Remove the key."
        ),
    })
}
