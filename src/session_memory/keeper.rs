//! Phase 3 at OpenClaw's hooks: decides when to update the notes (P3-R2) and extract
//! long-term memories (P3-R6 … R10), journals every job before it runs (P3-R13), applies
//! results (P3-R12, R22), retries and dead-letters, replays unfinished jobs at start (P3-R14)
//! and sizes the drain at shutdown (P3-R16). Fails open (P3-R23): nothing here blocks a run.

use super::jobs::{self, Event, Input, JobFile, Kind, Status};
use super::longterm;
use super::notes::{self, Limits, Template, ToolEvent, WORKLOG_HEADER};
use super::rules::{self, find, message_ref, MessageRef, NotesState};
use super::SessionMemoryConfig;
use crate::audit::{Action, Decision, RECORD_VERSION};
use crate::contract::{Diagnostic, Job, JobKind, JobUsage, Outcome, PhaseCtx};
use crate::host::{join_path, Host, HostError, LogLevel};
use crate::json;
use crate::session_key::{adopt_dir, agent_id, is_main_key, legacy_session_dir_name, state_name};
use crate::sorted::{SortedMap, SortedSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest wait of a compaction for an in-flight notes job (P3-R17).
pub const NOTES_WAIT_TIMEOUT_MS: u64 = 15_000;
/// An in-flight notes job older than this is not waited for.
pub const NOTES_STALE_MS: i64 = 60_000;
/// The sentence that introduces the notes in the summarizer's instructions (P3-R19).
pub const NOTES_FEED_HEADER: &str = "The session notes below were kept during this session. Treat them as authoritative for the decisions taken, the current state and the files involved; keep what they say in the summary.";
/// Notes offered on resume or after compaction, in tokens (P3-R21).
pub const RESUME_NOTES_MAX_TOKENS: usize = 4_000;
/// Cursor layout version.
pub const CURSOR_VERSION: u32 = 1;
/// Long-term extraction input cap in tokens.
pub const LT_MAX_INPUT_TOKENS: usize = 48_000;
/// Drain at `agent_end` of a process without a running service.
pub const DRAIN_ONE_SHOT_MS: u64 = 25_000;
/// Drain at `service.stop` / `gateway_stop` (5 s host budget − 500 ms).
pub const DRAIN_STOP_MS: u64 = 4_500;
/// Drain shared by every shutdown `session_end` (2 s host budget − 500 ms).
pub const DRAIN_SESSION_END_MS: u64 = 1_500;
/// Tool events buffered per session between two runs.
pub const MAX_BUFFERED_TOOL_EVENTS: usize = 500;
/// Output limit asked for a notes update.
pub const NOTES_MAX_OUTPUT_TOKENS: u64 = 16_000;
/// Output limit asked for an extraction.
pub const EXTRACT_MAX_OUTPUT_TOKENS: u64 = 8_000;
/// Grace after a job's timeout before the core itself gives up on it.
pub const JOB_GRACE_MS: i64 = 30_000;
/// Largest cursor file read.
const CURSOR_MAX_BYTES: u64 = 256 * 1024;
/// Largest notes file read.
const NOTES_MAX_BYTES: u64 = 1024 * 1024;

/// `sessions/<sid>/cursor.json` (P3-R24).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cursor {
    /// Layout version.
    pub v: u32,
    /// P3-R2 state: initialized, tokens at the last update, counting cursor.
    #[serde(flatten)]
    pub notes: NotesState,
    /// P3-R4: the notes cover everything up to here.
    pub covered_ref: Option<MessageRef>,
    /// P3-R5: long-term extraction cursor.
    pub lt_ref: Option<MessageRef>,
    /// When the last notes job was created (ms).
    pub last_notes_job_at: Option<i64>,
    /// Sections the next notes update must condense (P3-R22).
    pub condense: Vec<String>,
}

/// Where the scoped memory of an agent lives (resolved by phase 5, handed over by the
/// runtime).
pub use crate::memdir::MemoryTarget;

/// The context of a phase-3 call.
type Cx<'a> = PhaseCtx<'a, SessionMemoryConfig>;

/// A diagnostic of this call.
fn diag(out: &mut Outcome, level: LogLevel, code: &str, message: String) {
    out.diagnostics.push(Diagnostic {
        level,
        code: code.into(),
        message,
    });
}

/// A phase-3 journal record at `now` for the session `key` (none when empty).
fn decide(
    out: &mut Outcome,
    now: i64,
    code: &str,
    action: Action,
    key: &str,
    message: String,
    details: Value,
) {
    out.decisions.push(Decision {
        v: RECORD_VERSION,
        at: now,
        phase: "memory".into(),
        code: code.into(),
        action,
        message,
        session_key: Some(key.to_string()).filter(|k| !k.is_empty()),
        run_id: None,
        tool_call_id: None,
        details,
    });
}

#[derive(Debug, Clone)]
struct Running {
    kind: Kind,
    session_key: String,
    mem_dir: Option<String>,
    started_at: i64,
}

/// A long-term request waiting for the job of its memory directory (P3-R7).
#[derive(Debug, Clone)]
struct LtRequest {
    file: JobFile,
}

/// Phase 3 state of the process.
#[derive(Debug, Default)]
pub struct NotesKeeper {
    cursors: SortedMap<String, Cursor>,
    tools: SortedMap<String, Vec<ToolEvent>>,
    wrote_memory: SortedSet<String>,
    runs: SortedMap<String, u64>,
    /// Jobs this process started and that have not completed.
    running: SortedMap<String, Running>,
    /// Journal status of jobs this process knows (attempt counts).
    known: SortedMap<String, Status>,
    /// Jobs waiting to start, with the earliest start (ms).
    waiting: SortedMap<String, i64>,
    /// In-flight long-term job per memory directory.
    lt_busy: SortedMap<String, String>,
    /// Newest long-term request per memory directory while one runs.
    lt_pending: SortedMap<String, LtRequest>,
    replayed: bool,
    shutting_down: bool,
    service_running: bool,
    /// The service instance that ticks this process now (issue 17): a plugin replacement
    /// starts a new one; a stop from an older instance must not shut the new one down.
    service_gen: Option<u64>,
    session_end_deadline: Option<i64>,
    stop_deadline: Option<i64>,
    last_sweep: i64,
    /// Session key → session directory name, from the runs seen.
    sid_of: SortedMap<String, String>,
    /// Sessions whose notes were already offered in this process (P3-R21).
    offered: SortedSet<String>,
    /// Sessions compacted since their notes were last offered.
    reoffer: SortedSet<String>,
    /// Session directories whose pre-issue-18 name was checked in this process.
    adopted: SortedSet<String>,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

/// Whether a session key is a main session: not a subagent, not an internal run.
pub fn is_main(key: &str) -> bool {
    is_main_key(key)
}

/// The directory name of a session: its id, else its key, named by the one sanitiser
/// ([`state_name`]; before issue 18, ids differing only in punctuation shared a directory).
pub fn session_dir_name(session_id: Option<&str>, key: &str) -> String {
    state_name(session_id.unwrap_or(key))
}

/// `sessions/<sid>` of a session as it was named before issue 18.
fn legacy_session_dir(state_dir: &str, session_id: Option<&str>, key: &str) -> String {
    join_path(
        state_dir,
        &format!(
            "sessions/{}",
            legacy_session_dir_name(session_id.unwrap_or(key))
        ),
    )
}

/// `sessions/<sid>/notes.md`.
pub fn notes_path(state_dir: &str, sid: &str) -> String {
    join_path(state_dir, &format!("sessions/{sid}/notes.md"))
}

/// `sessions/<sid>/cursor.json`.
pub fn cursor_path(state_dir: &str, sid: &str) -> String {
    join_path(state_dir, &format!("sessions/{sid}/cursor.json"))
}

fn role(m: &Value) -> &str {
    m.get("role").and_then(Value::as_str).unwrap_or("")
}

fn last_assistant_has_tools(messages: &[Value]) -> bool {
    messages
        .iter()
        .rev()
        .find(|m| role(m) == "assistant")
        .is_some_and(|m| {
            m.get("content").and_then(Value::as_array).is_some_and(|c| {
                c.iter().any(|b| {
                    matches!(
                        b.get("type").and_then(Value::as_str),
                        Some("toolCall") | Some("tool_use")
                    )
                })
            })
        })
}

/// Reads a file as text; missing is empty.
fn read_text(host: &dyn Host, path: &str, max: u64) -> Result<String, HostError> {
    match host.fs_read(path, max) {
        Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        Err(HostError::NotFound) => Ok(String::new()),
        Err(e) => Err(e),
    }
}

impl NotesKeeper {
    /// Whether the gateway's service ticks this process (drain sizing, P3-R16).
    pub fn service_running(&self) -> bool {
        self.service_running
    }

    /// Whether a drain point began a shutdown: new requests are journaled, not started.
    pub fn shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Jobs started by this process that have not completed.
    pub fn in_flight(&self) -> Vec<String> {
        self.running.keys().cloned().collect()
    }

    /// The session's directory name; the first time in this process, state left under the
    /// name it had before issue 18 is adopted ([`adopt_dir`]).
    fn session_dir(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        session_id: Option<&str>,
        key: &str,
    ) -> String {
        let sid = session_dir_name(session_id, key);
        if self.adopted.insert(sid.clone()) {
            let legacy = legacy_session_dir(cx.state_dir, session_id, key);
            let current = join_path(cx.state_dir, &format!("sessions/{sid}"));
            out.diagnostics
                .extend(adopt_dir(cx.host, &legacy, &current, now, "memory"));
        }
        sid
    }

    fn cursor(&mut self, cx: &Cx<'_>, now: i64, out: &mut Outcome, sid: &str) -> Cursor {
        if let Some(c) = self.cursors.get(sid) {
            return c.clone();
        }
        let path = cursor_path(cx.state_dir, sid);
        let c = match cx.host.fs_read(&path, CURSOR_MAX_BYTES) {
            Ok(bytes) => match crate::json::from_slice_via_value::<Cursor>(&bytes) {
                Ok(c) => c,
                Err(e) => {
                    // P3-R25 / G-R16: move the corrupt file aside and start uninitialized.
                    let moved = crate::host::move_aside(cx.host, &path, &bytes, now);
                    diag(
                        out,
                        LogLevel::Warn,
                        "memory.cursor.corrupt",
                        format!(
                            "{path} is not a valid cursor file ({e}); {}; the session restarts uninitialized",
                            match &moved { Ok(a) => format!("moved aside to {a}"), Err(_) => "it could not be moved aside".into() }
                        ),
                    );
                    Cursor::default()
                }
            },
            Err(_) => Cursor::default(),
        };
        self.cursors.insert(sid.to_string(), c.clone());
        c
    }

    fn save_cursor(&mut self, cx: &Cx<'_>, out: &mut Outcome, sid: &str, mut c: Cursor) {
        c.v = CURSOR_VERSION;
        let path = cursor_path(cx.state_dir, sid);
        let bytes = serde_json::to_vec(&c).unwrap_or_default();
        if let Err(e) = cx.host.fs_write_atomic(&path, &bytes, 0o600) {
            diag(
                out,
                LogLevel::Warn,
                "memory.cursor.write_failed",
                format!("could not write {path}: {e}"),
            );
        }
        self.cursors.insert(sid.to_string(), c);
    }

    fn read_notes(&self, cx: &Cx<'_>, t: &Template, path: &str) -> Result<String, HostError> {
        let text = read_text(cx.host, path, NOTES_MAX_BYTES)?;
        Ok(if text.trim().is_empty() {
            t.render_empty()
        } else {
            text
        })
    }

    /// `after_tool_call` of a main session: buffer the call for the worklog (P3-R18) and note
    /// writes into the memory directory (P3-R9).
    pub fn after_tool_call(
        &mut self,
        event: &Value,
        ctx: &Value,
        workspace: &str,
        memory: Option<&MemoryTarget>,
    ) {
        let Some(key) = s(ctx, "sessionKey") else {
            return;
        };
        if !is_main(key) {
            return;
        }
        let tool = s(event, "toolName").unwrap_or("tool").to_string();
        let params = event.get("params").cloned().unwrap_or(Value::Null);
        let mut paths = Vec::new();
        for k in ["path", "file_path", "filePath", "file"] {
            if let Some(p) = s(&params, k) {
                paths.push(p.to_string());
            }
        }
        let error = s(event, "error").map(str::to_string);
        let blocked = error.as_deref().is_some_and(|e| e.contains("agent-ops["));
        let outcome = if blocked {
            "blocked"
        } else if error.is_some() {
            "error"
        } else {
            "ok"
        };
        if let Some(m) = memory {
            let dir = m.dir.trim_end_matches('/');
            let inside = |p: &str| {
                let abs = if p.starts_with('/') {
                    p.to_string()
                } else {
                    join_path(workspace, p)
                };
                crate::paths::normalize_absolute(&abs)
                    .is_some_and(|n| n == dir || n.starts_with(&format!("{dir}/")))
            };
            let wrote = match tool.as_str() {
                "write" | "edit" | "apply_patch" => paths.iter().any(|p| inside(p)),
                // An exec whose command names the memory directory may write there.
                "exec" => s(&params, "command").is_some_and(|c| c.contains(dir)),
                _ => false,
            };
            if wrote && outcome == "ok" {
                self.wrote_memory.insert(key.to_string());
            }
        }
        let buf = self.tools.entry(key.to_string()).or_default();
        if buf.len() < MAX_BUFFERED_TOOL_EVENTS {
            buf.push(ToolEvent {
                tool,
                paths,
                outcome: outcome.into(),
                error,
            });
        }
    }

    /// `after_compaction` (or our own compaction's success): the covered cursor may point at
    /// a message that no longer exists (P3-R4).
    pub fn after_compaction(&mut self, cx: &Cx<'_>, now: i64) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(key) = s(ctx, "sessionKey") else {
            return out;
        };
        self.reoffer.insert(key.to_string());
        let sid = self.session_dir(cx, now, &mut out, s(ctx, "sessionId"), key);
        let mut c = self.cursor(cx, now, &mut out, &sid);
        if c.covered_ref.take().is_some() {
            self.save_cursor(cx, &mut out, &sid, c);
        }
        out
    }

    /// `agent_end` of a run: the worklog, the notes decision, long-term extraction.
    pub fn agent_end(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        event: &Value,
        memory: Option<MemoryTarget>,
    ) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        self.ensure_replayed(cx, now, t, &mut out);
        let Some(key) = s(ctx, "sessionKey").map(str::to_string) else {
            return out;
        };
        if !is_main(&key) {
            self.tools.remove(&key);
            return out;
        }
        let session_id = s(ctx, "sessionId").or_else(|| s(event, "sessionId"));
        let sid = self.session_dir(cx, now, &mut out, session_id, &key);
        self.sid_of.insert(key.clone(), sid.clone());
        let agent = agent_id(&key, ctx);
        let run_id = s(event, "runId")
            .or_else(|| s(ctx, "runId"))
            .unwrap_or("")
            .to_string();
        let npath = notes_path(cx.state_dir, &sid);
        let cfg = cx.cfg;

        // P3-R18: the deterministic worklog, with or without conversation access.
        let events = self.tools.remove(&key).unwrap_or_default();
        if cfg.notes.enabled && cfg.notes.deterministic_worklog && !events.is_empty() {
            match self.read_notes(cx, t, &npath) {
                Ok(cur) => {
                    let next = notes::apply_worklog(t, &cur, &events, &run_id, now);
                    if let Err(e) = cx.host.fs_write_atomic(&npath, next.as_bytes(), 0o600) {
                        diag(
                            &mut out,
                            LogLevel::Warn,
                            "memory.notes.write_failed",
                            format!("could not write {npath}: {e}"),
                        );
                    }
                }
                Err(e) => diag(
                    &mut out,
                    LogLevel::Warn,
                    "memory.notes.read_failed",
                    format!("could not read {npath}: {e}"),
                ),
            }
        }

        let messages: Vec<Value> = event
            .get("messages")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut cursor = self.cursor(cx, now, &mut out, &sid);
        let mut started = false;

        // P3-R2: the notes update.
        if cfg.notes.enabled && cfg.notes.llm && !messages.is_empty() {
            let mut st = cursor.notes.clone();
            let th = rules::Thresholds {
                min_tokens_to_init: cfg.notes.min_tokens_to_init,
                min_tokens_between_updates: cfg.notes.min_tokens_between_updates,
                tool_calls_between_updates: usize::try_from(cfg.notes.tool_calls_between_updates)
                    .unwrap_or(usize::MAX),
            };
            if rules::should_update_with(&mut st, &messages, true, &th) {
                cursor.notes = st;
                cursor.last_notes_job_at = Some(now);
                let covered = (!last_assistant_has_tools(&messages))
                    .then(|| message_ref(&messages, messages.len() - 1))
                    .flatten();
                let file = JobFile {
                    v: jobs::JOB_VERSION,
                    job_id: jobs::new_id(cx.host, Kind::SessionNotes),
                    kind: Kind::SessionNotes,
                    session_key: key.clone(),
                    session_id: sid.clone(),
                    agent_id: agent.clone(),
                    created_at: now,
                    attempts: 0,
                    input: Input {
                        transcript: jobs::render_transcript(
                            &messages,
                            jobs::JOB_PAYLOAD_MAX_BYTES - 16 * 1024,
                        ),
                        notes_path: Some(npath.clone()),
                        condense: cursor.condense.clone(),
                        ..Input::default()
                    },
                    cursor_after: json!({ "coveredRef": covered }),
                };
                started |= self.enqueue(cx, now, t, &mut out, file);
            } else {
                cursor.notes = st;
            }
        }

        // P3 §6: long-term extraction.
        if cfg.long_term.enabled {
            started |= self.long_term(
                cx,
                now,
                t,
                &mut out,
                &key,
                &sid,
                &agent,
                &messages,
                memory,
                &mut cursor,
            );
        }
        self.save_cursor(cx, &mut out, &sid, cursor);
        if started && !self.service_running {
            // P3-R16: a one-shot run has no service; finish the jobs before the process exits.
            self.drain_job(now, &mut out, cfg.drain.timeout_ms.min(DRAIN_ONE_SHOT_MS));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn long_term(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        out: &mut Outcome,
        key: &str,
        sid: &str,
        agent: &str,
        messages: &[Value],
        memory: Option<MemoryTarget>,
        cursor: &mut Cursor,
    ) -> bool {
        let Some(mem) = memory else {
            decide(
                out,
                now,
                "memory.lt.skip.no_scope",
                Action::Allow,
                key,
                "Long-term extraction skipped: memory scoping is off for this agent.".into(),
                Value::Null,
            );
            return false;
        };
        if messages.is_empty() {
            decide(out, now, "memory.lt.skip.no_messages", Action::Allow, key, "Long-term extraction skipped: the run's messages are not available (conversation access is off).".into(), Value::Null);
            return false;
        }
        // P3-R5: a lost cursor counts everything.
        let from = cursor
            .lt_ref
            .as_ref()
            .and_then(|r| find(messages, r))
            .map_or(0, |i| i + 1);
        let convo: Vec<&Value> = messages
            .iter()
            .skip(from)
            .filter(|m| matches!(role(m), "user" | "assistant"))
            .collect();
        if convo.is_empty() {
            return false;
        }
        let last_ref = message_ref(messages, messages.len() - 1);
        // P3-R9: the agent wrote memory itself.
        if self.wrote_memory.remove(key) {
            cursor.lt_ref = last_ref;
            decide(out, now, "memory.lt.skip.agent_wrote", Action::Allow, key, "Long-term extraction skipped: the agent wrote its memory directory itself during this run.".into(), json!({ "memDir": mem.dir }));
            return false;
        }
        // P3-R8: throttle.
        let n = self.runs.entry(key.to_string()).or_insert(0);
        *n += 1;
        if *n % cx.cfg.long_term.every_n_runs.max(1) != 0 {
            return false;
        }
        // P3-R10: the last ≤ maxMessages user/assistant messages, ≤ 48,000 tokens.
        let max_msgs = usize::try_from(cx.cfg.long_term.max_messages).unwrap_or(usize::MAX);
        let tail: Vec<Value> = convo
            .iter()
            .rev()
            .take(max_msgs)
            .rev()
            .map(|m| (*m).clone())
            .collect();
        let transcript = jobs::render_transcript(
            &tail,
            (LT_MAX_INPUT_TOKENS * 4).min(jobs::JOB_PAYLOAD_MAX_BYTES - 16 * 1024),
        );
        let file = JobFile {
            v: jobs::JOB_VERSION,
            job_id: jobs::new_id(cx.host, Kind::LongTerm),
            kind: Kind::LongTerm,
            session_key: key.to_string(),
            session_id: sid.to_string(),
            agent_id: agent.to_string(),
            created_at: now,
            attempts: 0,
            input: Input {
                transcript,
                mem_dir: Some(mem.dir.clone()),
                trusted_base: Some(mem.trusted_base.clone()),
                scope: Some(mem.scope.clone()),
                scope_note: Some(mem.note.clone()),
                ..Input::default()
            },
            cursor_after: json!({ "ltRef": last_ref }),
        };
        // P3-R7: one job per memory directory; the newest request waits as the trailing job.
        if self.lt_busy.contains_key(&mem.dir) {
            if self
                .lt_pending
                .insert(mem.dir.clone(), LtRequest { file })
                .is_some()
            {
                decide(
                    out,
                    now,
                    "memory.lt.coalesced",
                    Action::Allow,
                    key,
                    "An older pending extraction request was replaced by a newer one.".into(),
                    json!({ "memDir": mem.dir }),
                );
            }
            return false;
        }
        self.enqueue(cx, now, t, out, file)
    }

    /// P3-R13 steps 1–3: job file, `enqueued`, then start. Returns whether it started.
    fn enqueue(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        out: &mut Outcome,
        file: JobFile,
    ) -> bool {
        if let Err(e) = jobs::write_file(cx.host, cx.state_dir, &file) {
            diag(
                out,
                LogLevel::Warn,
                "memory.job.journal_failed",
                format!(
                    "could not write the job file of {}: {e}; the job is skipped",
                    file.job_id
                ),
            );
            return false;
        }
        if let Err(e) = jobs::append(
            cx.host,
            cx.state_dir,
            &jobs::record(now, &file.job_id, Event::Enqueued, None, None),
        ) {
            let _ = cx
                .host
                .fs_remove(&jobs::file_path(cx.state_dir, &file.job_id));
            diag(
                out,
                LogLevel::Warn,
                "memory.job.journal_failed",
                format!("could not journal {}: {e}; the job is skipped", file.job_id),
            );
            return false;
        }
        self.known.insert(
            file.job_id.clone(),
            Status {
                enqueued: true,
                ..Status::default()
            },
        );
        if let Some(d) = &file.input.mem_dir {
            if file.kind == Kind::LongTerm {
                self.lt_busy.insert(d.clone(), file.job_id.clone());
            }
        }
        if self.shutting_down {
            // P3-R16: after shutdown begins, new requests are journaled only.
            return false;
        }
        self.start(cx, now, t, out, &file)
    }

    fn start(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        out: &mut Outcome,
        file: &JobFile,
    ) -> bool {
        let id = file.job_id.clone();
        if self.running.contains_key(&id) {
            return false;
        }
        let ttl = cx.cfg.jobs.timeout_ms.saturating_add(JOB_GRACE_MS as u64);
        match cx.host.fs_lock(&jobs::lock_path(cx.state_dir, &id), ttl) {
            Ok(()) => {}
            Err(HostError::Locked) => {
                diag(
                    out,
                    LogLevel::Info,
                    "memory.job.held_elsewhere",
                    format!("{id} is being run by another process; left to it"),
                );
                return false;
            }
            Err(e) => diag(
                out,
                LogLevel::Warn,
                "memory.job.lock_failed",
                format!("could not lock {id}: {e}; running it anyway"),
            ),
        }
        let (system, prompt, max_tokens) = match file.kind {
            Kind::SessionNotes => {
                let path = file
                    .input
                    .notes_path
                    .clone()
                    .unwrap_or_else(|| notes_path(cx.state_dir, &file.session_id));
                let cur = read_text(cx.host, &path, NOTES_MAX_BYTES).unwrap_or_default();
                let (sys, p) = notes::prompt(
                    t,
                    &cur,
                    &file.input.transcript,
                    &file.input.condense,
                    cx.cfg.notes.deterministic_worklog,
                );
                (sys, p, NOTES_MAX_OUTPUT_TOKENS)
            }
            Kind::LongTerm => {
                let dir = file.input.mem_dir.clone().unwrap_or_default();
                let base = file.input.trusted_base.as_deref().unwrap_or("");
                // P5-R8a: nothing is read through a symlinked memory directory; the write
                // step refuses the job.
                let manifest = if longterm::check_no_symlink(cx.host, base, &dir).is_ok() {
                    longterm::manifest(cx.host, &dir)
                } else {
                    Vec::new()
                };
                let max_ops = usize::try_from(cx.cfg.long_term.max_ops)
                    .unwrap_or(rules::LT_MAX_OPS)
                    .min(rules::LT_MAX_OPS);
                let (sys, p) = longterm::prompt(
                    file.input.scope.as_deref().unwrap_or("project"),
                    file.input.scope_note.as_deref().unwrap_or(""),
                    &manifest,
                    &file.input.transcript,
                    max_ops,
                );
                (sys, p, EXTRACT_MAX_OUTPUT_TOKENS)
            }
        };
        let st = self.known.entry(id.clone()).or_default();
        st.started += 1;
        let attempt = st.started;
        if let Err(e) = jobs::append(
            cx.host,
            cx.state_dir,
            &jobs::record(now, &id, Event::Started, Some(attempt), None),
        ) {
            diag(
                out,
                LogLevel::Warn,
                "memory.job.journal_failed",
                format!("could not journal the start of {id}: {e}"),
            );
        }
        self.waiting.remove(&id);
        self.running.insert(
            id.clone(),
            Running {
                kind: file.kind,
                session_key: file.session_key.clone(),
                mem_dir: file.input.mem_dir.clone(),
                started_at: now,
            },
        );
        out.jobs.push(Job {
            id: id.clone(),
            kind: JobKind::Llm,
            phase: "sessionMemory".into(),
            payload: json!({
                "systemPrompt": system,
                "prompt": prompt,
                "purpose": format!("agent-ops {}", file.kind.purpose()),
                "maxTokens": max_tokens,
                "sessionKey": file.session_key,
                "agentId": file.agent_id,
            }),
            timeout_ms: cx.cfg.jobs.timeout_ms,
        });
        true
    }

    fn drain_job(&mut self, now: i64, out: &mut Outcome, wait_ms: u64) {
        if self.running.is_empty() || wait_ms == 0 {
            return;
        }
        out.jobs.push(Job {
            id: format!("drain-{}", now),
            kind: JobKind::Drain,
            phase: "sessionMemory".into(),
            payload: json!({ "waitMs": wait_ms, "jobs": self.in_flight() }),
            timeout_ms: wait_ms,
        });
    }

    /// Whether `job_id` is one of this phase's running jobs.
    pub fn owns(&self, job_id: &str) -> bool {
        self.running.contains_key(job_id)
    }

    /// The outcome of an LLM job: `{ok, text, stopReason, provider, model, usage}` or
    /// `{ok: false, error, code?}`.
    pub fn complete(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        job_id: &str,
        outcome: &Value,
    ) -> Outcome {
        let mut out = Outcome::default();
        let Some(run) = self.running.remove(job_id) else {
            return out;
        };
        let _ = cx.host.fs_unlock(&jobs::lock_path(cx.state_dir, job_id));
        let file = jobs::read_file(cx.host, cx.state_dir, job_id);
        if let Some(f) = &file {
            if outcome.get("usage").is_some() {
                let scope = match f.kind {
                    Kind::SessionNotes => "session".into(),
                    Kind::LongTerm => f.input.scope.clone().unwrap_or_else(|| "project".into()),
                };
                out.usage.push(JobUsage::from_outcome(
                    f.kind.purpose(),
                    &scope,
                    &f.session_key,
                    &f.agent_id,
                    outcome,
                ));
            }
        }
        let result = match &file {
            None => Err("memory.job.missing_file: the job file is gone".to_string()),
            Some(f) => self.apply(cx, now, t, &mut out, f, outcome),
        };
        match result {
            Ok(()) => {
                let _ = jobs::append(
                    cx.host,
                    cx.state_dir,
                    &jobs::record(now, job_id, Event::Succeeded, None, None),
                );
                if let Some(st) = self.known.get_mut(job_id) {
                    st.terminal = Some(Event::Succeeded);
                }
                let _ = cx.host.fs_remove(&jobs::file_path(cx.state_dir, job_id));
            }
            Err(reason) => self.fail(cx, now, &mut out, job_id, file.as_ref(), &reason),
        }
        if run.kind == Kind::LongTerm {
            self.lt_finished(cx, now, t, &mut out, run.mem_dir.as_deref(), job_id);
        }
        out
    }

    /// The outcome of a job this keeper did not start (issue 19): the plugin's core was
    /// replaced (`plugins reload`, a re-install, recovery from a trap) while the job ran in the
    /// previous core, which held the job's lock in this process and is gone. The result is not
    /// applied: another build wrote the prompt it answers. The job's usage is still recorded
    /// (it was spent), the lock is released and the job is re-queued for the next tick, so it
    /// runs again in this core (the journal reads `started, started, succeeded`, as after a
    /// replay). Returns what was done, for the caller's `core.job.unknown` line.
    pub fn adopt_orphan(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        job_id: &str,
        outcome: &Value,
    ) -> (Outcome, String) {
        let mut out = Outcome::default();
        let file = jobs::read_file(cx.host, cx.state_dir, job_id);
        let what = file.as_ref().map_or("memory", |f| f.kind.purpose());
        if let (Some(f), Some(_)) = (&file, outcome.get("usage")) {
            let scope = match f.kind {
                Kind::SessionNotes => "session".into(),
                Kind::LongTerm => f.input.scope.clone().unwrap_or_else(|| "project".into()),
            };
            out.usage.push(JobUsage::from_outcome(
                f.kind.purpose(),
                &scope,
                &f.session_key,
                &f.agent_id,
                outcome,
            ));
        }
        let status = match jobs::read_status(cx.host, cx.state_dir) {
            Ok(s) => s.get(job_id).cloned().unwrap_or_default(),
            Err(e) => {
                // Unknown state: leave the job to the replay of the next start.
                return (out, format!("phase 3 {what} job; its journal is unreadable ({e}), so it is left to the replay at the next start"));
            }
        };
        if let Some(t) = status.terminal {
            return (
                out,
                format!(
                    "phase 3 {what} job; it had already ended ({}), nothing to redo",
                    format!("{t:?}").to_ascii_lowercase()
                ),
            );
        }
        if file.is_none() || !status.enqueued {
            return (out, format!("phase 3 {what} job; it is not journaled with a job file here, so there is nothing to re-run"));
        }
        if self.running.contains_key(job_id) || self.waiting.contains_key(job_id) {
            return (
                out,
                format!("phase 3 {what} job; this core already runs it again"),
            );
        }
        // The previous core held this lock in this process; nothing else will release it
        // before its TTL, and until then `start` would take it for another process's.
        let _ = cx.host.fs_unlock(&jobs::lock_path(cx.state_dir, job_id));
        let attempt = status.started.saturating_add(1);
        self.known.insert(job_id.to_string(), status);
        self.waiting.insert(job_id.to_string(), now);
        let when = if self.shutting_down {
            "when the plugin's service starts (or at the replay of the next start)"
        } else {
            "at the next tick"
        };
        (
            out,
            format!("phase 3 {what} job; its result is discarded and the job re-queued: attempt {attempt} starts {when}"),
        )
    }

    fn lt_finished(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        out: &mut Outcome,
        mem_dir: Option<&str>,
        job_id: &str,
    ) {
        let Some(dir) = mem_dir else {
            return;
        };
        if self.waiting.contains_key(job_id) {
            // A retry is scheduled: the directory stays busy until it ends.
            return;
        }
        if self.lt_busy.get(dir).map(String::as_str) == Some(job_id) {
            self.lt_busy.remove(dir);
        }
        if let Some(req) = self.lt_pending.remove(dir) {
            // P3-R7: exactly one trailing job with the newest context (throttle ignored).
            self.enqueue(cx, now, t, out, req.file);
        }
    }

    fn fail(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        job_id: &str,
        file: Option<&JobFile>,
        reason: &str,
    ) {
        let code = reason
            .split(':')
            .next()
            .unwrap_or("memory.job.failed")
            .trim()
            .to_string();
        let st = self.known.entry(job_id.to_string()).or_default();
        st.failed += 1;
        let (failed, started) = (st.failed, st.started);
        let _ = jobs::append(
            cx.host,
            cx.state_dir,
            &jobs::record(
                now,
                job_id,
                Event::Failed,
                Some(started),
                Some(code.clone()),
            ),
        );
        let max = cx.cfg.jobs.max_attempts.max(1);
        // A symlinked memory path does not heal by retrying (P5-R8a).
        let permanent = code == "scope.path.symlink";
        if permanent {
            diag(
                out,
                LogLevel::Warn,
                "scope.path.symlink",
                reason.to_string(),
            );
            decide(
                out,
                now,
                "scope.path.symlink",
                Action::Deny,
                file.map_or("", |f| f.session_key.as_str()),
                format!("A memory write was refused: {reason}"),
                json!({ "jobId": job_id }),
            );
        }
        if file.is_none() || failed >= max || permanent {
            let _ = jobs::append(
                cx.host,
                cx.state_dir,
                &jobs::record(now, job_id, Event::Dead, None, Some(code.clone())),
            );
            if let Some(st) = self.known.get_mut(job_id) {
                st.terminal = Some(Event::Dead);
            }
            diag(out, LogLevel::Warn, "memory.job.dead", format!("{job_id} failed {failed} time(s), last with {reason}; it is dead-lettered (its job file stays in jobs/ for inspection)"));
            decide(
                out,
                now,
                "memory.job.dead",
                Action::Allow,
                file.map_or("", |f| f.session_key.as_str()),
                format!("A memory job failed {failed} times and was given up: {reason}"),
                json!({ "jobId": job_id }),
            );
            return;
        }
        let backoff = if failed <= 1 {
            jobs::RETRY_BACKOFF_MS[0]
        } else {
            jobs::RETRY_BACKOFF_MS[1]
        };
        self.waiting.insert(job_id.to_string(), now + backoff);
        diag(
            out,
            LogLevel::Info,
            "memory.job.retry",
            format!(
                "{job_id} attempt {started} failed ({reason}); retrying in {} s",
                backoff / 1000
            ),
        );
    }

    fn apply(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        out: &mut Outcome,
        f: &JobFile,
        outcome: &Value,
    ) -> Result<(), String> {
        if outcome.get("ok").and_then(Value::as_bool) != Some(true) {
            let why = s(outcome, "error").unwrap_or("the LLM call failed");
            let code = s(outcome, "code").unwrap_or(
                if outcome.get("aborted").and_then(Value::as_bool) == Some(true) {
                    "memory.job.timeout"
                } else {
                    "memory.job.llm_failed"
                },
            );
            return Err(format!("{code}: {why}"));
        }
        if matches!(
            s(outcome, "stopReason"),
            Some("toolUse") | Some("tool_use") | Some("tool_calls")
        ) {
            return Err("memory.job.tool_call_rejected: the answer called a tool".into());
        }
        let text = s(outcome, "text").unwrap_or("");
        match f.kind {
            Kind::SessionNotes => {
                let path = f
                    .input
                    .notes_path
                    .clone()
                    .unwrap_or_else(|| notes_path(cx.state_dir, &f.session_id));
                let cur = self
                    .read_notes(cx, t, &path)
                    .map_err(|e| format!("memory.notes.read_failed: {e}"))?;
                let limits = Limits {
                    max_section_tokens: usize::try_from(cx.cfg.notes.max_section_tokens)
                        .unwrap_or(usize::MAX),
                    max_total_tokens: usize::try_from(cx.cfg.notes.max_total_tokens)
                        .unwrap_or(usize::MAX),
                };
                let keep: &[&str] = if cx.cfg.notes.deterministic_worklog {
                    &[WORKLOG_HEADER]
                } else {
                    &[]
                };
                let m = notes::merge(t, &cur, text, limits, keep, &f.input.condense)?;
                cx.host
                    .fs_write_atomic(&path, m.text.as_bytes(), 0o600)
                    .map_err(|e| format!("memory.notes.write_failed: {e}"))?;
                let mut c = self.cursor(cx, now, out, &f.session_id);
                // P3-R4: only when the input ended without a tool call.
                if let Some(r) = f.cursor_after.get("coveredRef").filter(|v| !v.is_null()) {
                    if let Ok(r) = <MessageRef as crate::json::FromJson>::from_json(r.clone()) {
                        c.covered_ref = Some(r);
                    }
                }
                c.condense = m.oversize.clone();
                self.save_cursor(cx, out, &f.session_id, c);
                decide(
                    out,
                    now,
                    "memory.notes.updated",
                    Action::Allow,
                    &f.session_key,
                    "The session notes were updated.".into(),
                    json!({ "jobId": f.job_id, "oversize": m.oversize, "cut": m.cut, "totalOver": m.total_over }),
                );
                Ok(())
            }
            Kind::LongTerm => {
                let (mut ops, skipped) = rules::validate_ops(text)?;
                ops.truncate(
                    usize::try_from(cx.cfg.long_term.max_ops).unwrap_or(rules::LT_MAX_OPS),
                );
                let dir = f.input.mem_dir.clone().unwrap_or_default();
                let base = f.input.trusted_base.clone().unwrap_or_default();
                // P5-R4: local memory inside the project is never committed.
                if let Some((root, _)) = dir.trim_end_matches('/').rsplit_once('/') {
                    if root.ends_with("/.openclaw/agent-memory-local")
                        && longterm::check_no_symlink(cx.host, &base, root).is_ok()
                    {
                        crate::memdir::ensure_gitignore(cx.host, root);
                    }
                }
                // G-R18: the index and the memory files are read, changed and rewritten; another
                // process (a second gateway, a `--local` run) may extract into the same
                // directory. A lock that cannot be taken fails this attempt, which is retried.
                let lock = crate::memdir::dir_lock_path(cx.state_dir, &dir);
                cx.host
                    .fs_lock(&lock, 30_000)
                    .map_err(|e| format!("memory.lt.locked: {lock}: {e}"))?;
                let applied = longterm::apply(cx.host, &base, &dir, &f.job_id, &ops)
                    .map_err(|e| e.to_string());
                let _ = cx.host.fs_unlock(&lock);
                let applied = applied?;
                let mut c = self.cursor(cx, now, out, &f.session_id);
                if let Some(r) = f.cursor_after.get("ltRef").filter(|v| !v.is_null()) {
                    if let Ok(r) = <MessageRef as crate::json::FromJson>::from_json(r.clone()) {
                        c.lt_ref = Some(r);
                    }
                }
                self.save_cursor(cx, out, &f.session_id, c);
                decide(
                    out,
                    now,
                    "memory.lt.applied",
                    Action::Allow,
                    &f.session_key,
                    format!(
                        "Long-term memory updated: {} written, {} deleted.",
                        applied.written.len(),
                        applied.deleted.len()
                    ),
                    json!({ "jobId": f.job_id, "memDir": dir, "written": applied.written, "deleted": applied.deleted, "skipped": skipped, "full": applied.full }),
                );
                Ok(())
            }
        }
    }

    fn ensure_replayed(&mut self, cx: &Cx<'_>, now: i64, t: &Template, out: &mut Outcome) {
        if self.replayed {
            return;
        }
        self.replayed = true;
        self.replay(cx, now, t, out);
    }

    /// P3-R14: at the first call of a process, re-run every journaled job without a
    /// terminal event that no live process holds.
    fn replay(&mut self, cx: &Cx<'_>, now: i64, t: &Template, out: &mut Outcome) {
        let lock = jobs::jobs_lock_path(cx.state_dir);
        if cx.host.fs_lock(&lock, 60_000).is_err() {
            self.replayed = false;
            return;
        }
        let journal = jobs::journal_path(cx.state_dir);
        let status = match jobs::read_status(cx.host, cx.state_dir) {
            Ok(s) => s,
            Err(e) => {
                diag(
                    out,
                    LogLevel::Warn,
                    "memory.job.journal_unreadable",
                    format!("could not read {journal}: {e}; nothing replayed"),
                );
                let _ = cx.host.fs_unlock(&lock);
                return;
            }
        };
        let live = jobs::live(&status);
        let mut replayed = 0usize;
        for id in live {
            if self.running.contains_key(&id) || self.waiting.contains_key(&id) {
                continue;
            }
            let st = status.get(&id).cloned().unwrap_or_default();
            self.known.insert(id.clone(), st.clone());
            let Some(file) = jobs::read_file(cx.host, cx.state_dir, &id) else {
                let _ = jobs::append(
                    cx.host,
                    cx.state_dir,
                    &jobs::record(
                        now,
                        &id,
                        Event::Dropped,
                        None,
                        Some("memory.job.missing_file".into()),
                    ),
                );
                diag(
                    out,
                    LogLevel::Warn,
                    "memory.job.dropped",
                    format!("{id} is journaled but its job file is missing or unreadable; dropped"),
                );
                continue;
            };
            let max = cx.cfg.jobs.max_attempts.max(1);
            if st.failed >= max {
                self.fail(
                    cx,
                    now,
                    out,
                    &id,
                    Some(&file),
                    "memory.job.too_many_attempts: the job failed on every attempt",
                );
                continue;
            }
            if file.kind == Kind::LongTerm {
                if let Some(d) = &file.input.mem_dir {
                    if self.lt_busy.contains_key(d) {
                        self.waiting.insert(id.clone(), now);
                        continue;
                    }
                    self.lt_busy.insert(d.clone(), id.clone());
                }
            }
            if self.shutting_down || !self.start(cx, now, t, out, &file) {
                if let Some(d) = &file.input.mem_dir {
                    if self.lt_busy.get(d) == Some(&id) {
                        self.lt_busy.remove(d);
                    }
                }
                continue;
            }
            replayed += 1;
        }
        if let Err(e) = jobs::compact(cx.host, cx.state_dir) {
            diag(
                out,
                LogLevel::Warn,
                "memory.job.journal_compact_failed",
                format!("could not compact {journal}: {e}"),
            );
        }
        let _ = cx.host.fs_unlock(&lock);
        if replayed > 0 {
            diag(
                out,
                LogLevel::Info,
                "memory.job.replayed",
                format!("{replayed} unfinished memory job(s) from an earlier process restarted"),
            );
        }
        self.sweep_files(cx, &status);
    }

    /// Removes job files of terminal jobs (the file is kept for dead jobs).
    fn sweep_files(&mut self, cx: &Cx<'_>, status: &SortedMap<String, Status>) {
        let Ok(list) = cx.host.fs_list(&jobs::dir(cx.state_dir), 10_000) else {
            return;
        };
        for e in list.entries {
            let Some(id) = e.name.strip_suffix(".json") else {
                continue;
            };
            if status
                .get(id)
                .is_some_and(|s| s.terminal == Some(Event::Succeeded))
            {
                let _ = cx.host.fs_remove(&jobs::file_path(cx.state_dir, id));
            }
        }
    }

    /// Service tick: replay once, start due retries, give up on jobs the binding layer never
    /// reported, compact the journal now and then.
    pub fn tick(&mut self, cx: &Cx<'_>, now: i64, t: &Template) -> Outcome {
        let mut out = Outcome::default();
        self.service_running = true;
        self.ensure_replayed(cx, now, t, &mut out);
        if !self.shutting_down {
            let due: Vec<String> = self
                .waiting
                .iter()
                .filter(|(_, at)| **at <= now)
                .map(|(id, _)| id.clone())
                .collect();
            for id in due {
                match jobs::read_file(cx.host, cx.state_dir, &id) {
                    Some(file) => {
                        if file.kind == Kind::LongTerm {
                            if let Some(d) = &file.input.mem_dir {
                                match self.lt_busy.get(d) {
                                    Some(other) if other != &id => continue,
                                    _ => {
                                        self.lt_busy.insert(d.clone(), id.clone());
                                    }
                                }
                            }
                        }
                        self.waiting.remove(&id);
                        self.start(cx, now, t, &mut out, &file);
                    }
                    None => {
                        self.waiting.remove(&id);
                    }
                }
            }
        }
        let limit = i64::try_from(cx.cfg.jobs.timeout_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(JOB_GRACE_MS);
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(_, r)| now.saturating_sub(r.started_at) > limit)
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            let o = self.complete(cx, now, t, &id, &json!({ "ok": false, "code": "memory.job.timeout", "error": "no result within the job timeout" }));
            merge_out(&mut out, o);
        }
        if now.saturating_sub(self.last_sweep) > 600_000 {
            self.last_sweep = now;
            let lock = jobs::jobs_lock_path(cx.state_dir);
            if cx.host.fs_lock(&lock, 60_000).is_ok() {
                let _ = jobs::compact(cx.host, cx.state_dir);
                let _ = cx.host.fs_unlock(&lock);
            }
        }
        out
    }

    /// The plugin's service started (gateway start, or the replacement instance after a config
    /// hot reload, `plugins reload` or `plugins install --force`). The keeper outlives plugin
    /// instances in the process-wide core, so a stop of the previous instance left it shutting
    /// down: the new service resumes phase 3 (issue 17) and replays what the journal holds
    /// unfinished, i.e. the requests journaled but not started while it was shutting down.
    pub fn service_start(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        t: &Template,
        generation: Option<u64>,
    ) -> Outcome {
        let mut out = Outcome::default();
        let resumed = self.shutting_down;
        self.service_gen = generation.or(self.service_gen);
        self.shutting_down = false;
        self.stop_deadline = None;
        self.session_end_deadline = None;
        if resumed {
            // Journaled-only jobs are not in `waiting`: only a replay finds them.
            self.replayed = false;
            diag(
                &mut out,
                LogLevel::Info,
                "memory.resumed",
                format!(
                    "phase 3 resumed after a service stop (plugin replacement); {} job(s) still in flight from the previous instance",
                    self.running.len()
                ),
            );
        }
        merge_out(&mut out, self.tick(cx, now, t));
        out
    }

    /// A drain point (P3-R16): `gateway_stop` / `service_stop` wait up to 4.5 s; shutdown
    /// `session_end`s share one 1.5 s deadline; `dispose` does not wait. A `service_stop` of a
    /// service instance other than the one that started last is a replaced instance stopping
    /// after its successor started: phase 3 keeps running.
    pub fn drain_from(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        point: &str,
        generation: Option<u64>,
    ) -> Outcome {
        if point == "service_stop" {
            if let (Some(g), Some(cur)) = (generation, self.service_gen) {
                if g != cur {
                    let mut out = Outcome::default();
                    diag(
                        &mut out,
                        LogLevel::Info,
                        "memory.stop.stale_instance",
                        format!("service instance {g} stopped after instance {cur} started; phase 3 keeps running"),
                    );
                    return out;
                }
            }
        }
        self.drain(cx, now, point)
    }

    /// A drain point (P3-R16): `gateway_stop` / `service_stop` wait up to 4.5 s; shutdown
    /// `session_end`s share one 1.5 s deadline; `dispose` does not wait.
    pub fn drain(&mut self, cx: &Cx<'_>, now: i64, point: &str) -> Outcome {
        let mut out = Outcome::default();
        self.shutting_down = true;
        let ceiling = cx.cfg.drain.timeout_ms;
        let wait = match point {
            // One shutdown, one budget: whichever of the two comes second only waits for
            // what is left of the first one's deadline.
            "gateway_stop" | "service_stop" => {
                let deadline = *self.stop_deadline.get_or_insert(now + DRAIN_STOP_MS as i64);
                u64::try_from(deadline.saturating_sub(now))
                    .unwrap_or(0)
                    .min(ceiling)
            }
            "session_end" => {
                let deadline = *self
                    .session_end_deadline
                    .get_or_insert(now + DRAIN_SESSION_END_MS as i64);
                u64::try_from(deadline.saturating_sub(now))
                    .unwrap_or(0)
                    .min(ceiling)
            }
            _ => 0,
        };
        if !self.running.is_empty() {
            diag(&mut out, LogLevel::Info, "memory.drain", format!("{point}: waiting up to {wait} ms for {} memory job(s); anything unfinished replays at the next start", self.running.len()));
        }
        self.drain_job(now, &mut out, wait);
        out
    }

    /// `session_end`: a shutdown or restart drains; other reasons forget the session's buffers.
    pub fn session_end(&mut self, cx: &Cx<'_>, now: i64, event: &Value) -> Outcome {
        let ctx = cx.ctx;
        let reason = s(event, "reason").unwrap_or("unknown");
        if matches!(reason, "shutdown" | "restart") {
            return self.drain(cx, now, "session_end");
        }
        if let Some(key) = s(ctx, "sessionKey").or_else(|| s(event, "sessionKey")) {
            self.tools.remove(key);
            self.runs.remove(key);
            self.wrote_memory.remove(key);
        }
        if let Some(id) = s(event, "sessionId") {
            self.cursors.remove(&session_dir_name(Some(id), ""));
        }
        Outcome::default()
    }

    /// The session's notes excerpted for compaction or restoration (P3-R19), when not empty.
    pub fn notes_excerpt(
        &self,
        cx: &Cx<'_>,
        t: &Template,
        session_id: Option<&str>,
        key: &str,
        max_total: usize,
    ) -> Option<String> {
        let sid = session_dir_name(session_id, key);
        let mut text = read_text(cx.host, &notes_path(cx.state_dir, &sid), NOTES_MAX_BYTES).ok()?;
        if text.is_empty() {
            // Not adopted yet in this process: the notes may still be under the old name.
            let legacy = join_path(
                &legacy_session_dir(cx.state_dir, session_id, key),
                "notes.md",
            );
            text = read_text(cx.host, &legacy, NOTES_MAX_BYTES).ok()?;
        }
        if text.trim().is_empty() || rules::notes_empty(&text, &t.render_empty()) {
            return None;
        }
        let x = notes::excerpt(
            t,
            &text,
            usize::try_from(cx.cfg.notes.max_section_tokens).unwrap_or(2_000),
            max_total,
        );
        (!x.trim().is_empty()).then_some(x)
    }
}

impl NotesKeeper {
    /// P3-R17: the in-flight notes jobs of this session a compaction should wait for (started
    /// less than 60 s ago) and the longest wait.
    pub fn notes_wait(&self, key: &str, now_ms: i64) -> Option<(Vec<String>, u64)> {
        let ids: Vec<String> = self
            .running
            .iter()
            .filter(|(_, r)| {
                r.kind == Kind::SessionNotes
                    && r.session_key == key
                    && now_ms.saturating_sub(r.started_at) < NOTES_STALE_MS
            })
            .map(|(id, _)| id.clone())
            .collect();
        (!ids.is_empty()).then_some((ids, NOTES_WAIT_TIMEOUT_MS))
    }

    /// P3-R19: the instructions text that feeds the notes to the summarizer, when the notes
    /// are not empty.
    pub fn compaction_notes(
        &self,
        cx: &Cx<'_>,
        t: &Template,
        session_id: Option<&str>,
        key: &str,
    ) -> Option<String> {
        if !cx.cfg.compaction.feed_notes || !cx.cfg.notes.enabled {
            return None;
        }
        let sid = session_id
            .map(str::to_string)
            .or_else(|| self.sid_of.get(key).cloned());
        let max_total = usize::try_from(cx.cfg.notes.max_total_tokens).unwrap_or(12_000);
        let x = self.notes_excerpt(cx, t, sid.as_deref(), key, max_total)?;
        Some(format!(
            "{NOTES_FEED_HEADER}\n\n<session_notes>\n{x}\n</session_notes>"
        ))
    }

    /// P3-R21: at the first run of a session in this process (a resume, or a restart) and
    /// after a compaction, the notes are offered once through the system context.
    pub fn before_prompt_build(&mut self, cx: &Cx<'_>, t: &Template) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(key) = s(ctx, "sessionKey") else {
            return out;
        };
        if !is_main(key) || !cx.cfg.notes.enabled {
            return out;
        }
        let first = self.offered.insert(key.to_string());
        if !first && !self.reoffer.remove(key) {
            return out;
        }
        let sid = s(ctx, "sessionId")
            .map(str::to_string)
            .or_else(|| self.sid_of.get(key).cloned());
        if let Some(x) = self.notes_excerpt(cx, t, sid.as_deref(), key, RESUME_NOTES_MAX_TOKENS) {
            out.ret = json!({ "appendSystemContext": format!("# Session notes (agent-ops)\n{NOTES_FEED_HEADER}\n\n{x}") });
        }
        out
    }

    /// A compaction of `key` succeeded: the covered cursor may point at a message that no
    /// longer exists (P3-R4), and the notes are offered again (P3-R21).
    pub fn on_compacted(&mut self, cx: &Cx<'_>, now: i64, key: &str) -> Outcome {
        let mut out = Outcome::default();
        self.reoffer.insert(key.to_string());
        let Some(sid) = self.sid_of.get(key).cloned() else {
            return out;
        };
        let mut c = self.cursor(cx, now, &mut out, &sid);
        if c.covered_ref.take().is_some() {
            self.save_cursor(cx, &mut out, &sid, c);
        }
        out
    }
}

fn merge_out(into: &mut Outcome, o: Outcome) {
    into.jobs.extend(o.jobs);
    into.decisions.extend(o.decisions);
    into.diagnostics.extend(o.diagnostics);
    into.usage.extend(o.usage);
}
