//! Durable jobs (P3-R13, R14, R24): the job file, the append-only journal, and what the
//! journal says about each job. A job is written and journaled *before* it runs, so a kill
//! at any moment leaves it either terminal or replayable.

use crate::host::{join_path, Host, HostError};
use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Layout version of job files and journal records.
pub const JOB_VERSION: u32 = 1;
/// Largest job input snapshot (older messages are trimmed first).
pub const JOB_PAYLOAD_MAX_BYTES: usize = 262_144;
/// Journal size that triggers a rewrite keeping only live jobs.
pub const JOURNAL_COMPACT_BYTES: u64 = 10 * 1024 * 1024;
/// Largest journal read.
pub const JOURNAL_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Backoff before the second and third attempts.
pub const RETRY_BACKOFF_MS: [i64; 2] = [5_000, 30_000];

/// What a job does.
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Update the session notes.
    #[default]
    SessionNotes,
    /// Extract long-term memories.
    LongTerm,
}

impl Kind {
    /// The purpose recorded in the cost ledger and the prompt marker.
    pub fn purpose(self) -> &'static str {
        match self {
            Kind::SessionNotes => "session_notes",
            Kind::LongTerm => "memory_extract",
        }
    }
}

/// Everything a job needs to run again after a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Input {
    /// The conversation, rendered as text and trimmed from the front.
    pub transcript: String,
    /// Notes file (notes jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes_path: Option<String>,
    /// Memory directory (long-term jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_dir: Option<String>,
    /// The directory below which no component of `mem_dir` may be a symlink (P5-R8a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_base: Option<String>,
    /// Scope name (long-term jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Scope guidance (long-term jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_note: Option<String>,
    /// Sections the update must condense (notes jobs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub condense: Vec<String>,
}

/// `jobs/<jobId>.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFile {
    /// Layout version.
    pub v: u32,
    /// Job id.
    pub job_id: String,
    /// Kind.
    pub kind: Kind,
    /// Session key of the run that asked.
    pub session_key: String,
    /// Session id (notes and cursor directory).
    pub session_id: String,
    /// Agent id.
    pub agent_id: String,
    /// Created (ms).
    pub created_at: i64,
    /// Attempts when written (the journal is authoritative).
    pub attempts: u64,
    /// Input snapshot.
    pub input: Input,
    /// Cursor values to store on success.
    pub cursor_after: Value,
}

/// Journal event names.
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Job file written.
    #[default]
    Enqueued,
    /// An attempt started.
    Started,
    /// Applied.
    Succeeded,
    /// An attempt failed.
    Failed,
    /// Dead-lettered.
    Dead,
    /// Dropped (job file lost or unreadable).
    Dropped,
}

/// One journal line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Layout version.
    pub v: u32,
    /// When (ms).
    pub at: i64,
    /// Job id.
    pub job_id: String,
    /// What happened.
    pub event: Event,
    /// Attempt number (`started`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u64>,
    /// Failure code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

crate::json::read::json_enum! {
    Kind { SessionNotes = "session_notes", LongTerm = "long_term" }
    Event {
        Enqueued = "enqueued", Started = "started", Succeeded = "succeeded", Failed = "failed",
        Dead = "dead", Dropped = "dropped",
    }
}
crate::json::read::json_struct!(default Input {
    "transcript" => transcript, "notesPath" => notes_path, "memDir" => mem_dir,
    "trustedBase" => trusted_base, "scope" => scope, "scopeNote" => scope_note,
    "condense" => condense,
});
crate::json::read::json_struct!(JobFile {
    "v" => v: req,
    "jobId" => job_id: req,
    "kind" => kind: req,
    "sessionKey" => session_key: req,
    "sessionId" => session_id: req,
    "agentId" => agent_id: req,
    "createdAt" => created_at: req,
    "attempts" => attempts: req,
    "input" => input: req,
    "cursorAfter" => cursor_after: req,
});
crate::json::read::json_struct!(Record {
    "v" => v: req,
    "at" => at: req,
    "jobId" => job_id: req,
    "event" => event: req,
    "attempt" => attempt: opt,
    "code" => code: opt,
});

/// What the journal says about one job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `enqueued` seen.
    pub enqueued: bool,
    /// Attempts started.
    pub started: u64,
    /// Attempts failed.
    pub failed: u64,
    /// Terminal event, if any.
    pub terminal: Option<Event>,
}

/// `<state>/jobs`.
pub fn dir(state_dir: &str) -> String {
    join_path(state_dir, "jobs")
}

/// `<state>/jobs/journal.jsonl`.
pub fn journal_path(state_dir: &str) -> String {
    join_path(&dir(state_dir), "journal.jsonl")
}

/// `<state>/jobs/<id>.json`.
pub fn file_path(state_dir: &str, job_id: &str) -> String {
    join_path(&dir(state_dir), &format!("{job_id}.json"))
}

/// `<state>/locks/job-<id>`.
pub fn lock_path(state_dir: &str, job_id: &str) -> String {
    join_path(state_dir, &format!("locks/job-{job_id}"))
}

/// `<state>/locks/jobs`.
pub fn jobs_lock_path(state_dir: &str) -> String {
    join_path(state_dir, "locks/jobs")
}

/// Writes the job file atomically (step 1 of P3-R13).
pub fn write_file(host: &dyn Host, state_dir: &str, job: &JobFile) -> Result<(), HostError> {
    let text = serde_json::to_vec(job).map_err(|e| HostError::Io(e.to_string()))?;
    host.fs_write_atomic(&file_path(state_dir, &job.job_id), &text, 0o600)
}

/// Reads a job file; `None` when missing or unreadable.
pub fn read_file(host: &dyn Host, state_dir: &str, job_id: &str) -> Option<JobFile> {
    let bytes = host
        .fs_read(
            &file_path(state_dir, job_id),
            2 * JOB_PAYLOAD_MAX_BYTES as u64,
        )
        .ok()?;
    crate::json::read_slice(&bytes).ok()
}

/// Appends one record with fsync.
pub fn append(host: &dyn Host, state_dir: &str, r: &Record) -> Result<(), HostError> {
    let line = serde_json::to_string(r).map_err(|e| HostError::Io(e.to_string()))?;
    host.fs_append_line(&journal_path(state_dir), &line, true)
}

/// A record for `job_id` now.
pub fn record(
    at: i64,
    job_id: &str,
    event: Event,
    attempt: Option<u64>,
    code: Option<String>,
) -> Record {
    Record {
        v: JOB_VERSION,
        at,
        job_id: job_id.to_string(),
        event,
        attempt,
        code,
    }
}

/// Parses journal text, ignoring a torn final line and any unparsable line (G-R17).
pub fn parse(text: &str) -> Vec<Record> {
    let complete = match text.rfind('\n') {
        Some(i) => text.get(..i).unwrap_or(""),
        None => "",
    };
    complete
        .lines()
        .filter_map(|l| crate::json::read_str::<Record>(l).ok())
        .collect()
}

/// Folds records into per-job status, in first-seen order of job ids.
pub fn fold(records: &[Record]) -> SortedMap<String, Status> {
    let mut out: SortedMap<String, Status> = SortedMap::new();
    for r in records {
        let s = out.entry(r.job_id.clone()).or_default();
        match r.event {
            Event::Enqueued => s.enqueued = true,
            Event::Started => s.started += 1,
            Event::Failed => s.failed += 1,
            e => {
                if s.terminal.is_none() {
                    s.terminal = Some(e);
                }
            }
        }
    }
    out
}

/// Reads and folds the journal; a missing journal is empty.
pub fn read_status(
    host: &dyn Host,
    state_dir: &str,
) -> Result<SortedMap<String, Status>, HostError> {
    match host.fs_read(&journal_path(state_dir), JOURNAL_MAX_BYTES) {
        Ok(b) => Ok(fold(&parse(&String::from_utf8_lossy(&b)))),
        Err(HostError::NotFound) => Ok(SortedMap::new()),
        Err(e) => Err(e),
    }
}

/// Jobs that were enqueued and never reached a terminal event, oldest first.
pub fn live(status: &SortedMap<String, Status>) -> Vec<String> {
    status
        .iter()
        .filter(|(_, s)| s.enqueued && s.terminal.is_none())
        .map(|(id, _)| id.clone())
        .collect()
}

/// P3-R24: rewrites a journal above [`JOURNAL_COMPACT_BYTES`] keeping only the records of
/// live jobs. Returns whether it rewrote. The caller holds the jobs lock.
pub fn compact(host: &dyn Host, state_dir: &str) -> Result<bool, HostError> {
    compact_above(host, state_dir, JOURNAL_COMPACT_BYTES)
}

/// [`compact`] with an explicit size threshold.
pub fn compact_above(host: &dyn Host, state_dir: &str, threshold: u64) -> Result<bool, HostError> {
    let path = journal_path(state_dir);
    let st = match host.fs_stat(&path) {
        Ok(s) => s,
        Err(HostError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    if st.size <= threshold {
        return Ok(false);
    }
    let bytes = host.fs_read(&path, JOURNAL_MAX_BYTES)?;
    let records = parse(&String::from_utf8_lossy(&bytes));
    let status = fold(&records);
    let mut out = String::new();
    for r in records.iter().filter(|r| {
        status
            .get(&r.job_id)
            .is_some_and(|s| s.enqueued && s.terminal.is_none())
    }) {
        if let Ok(l) = serde_json::to_string(r) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    host.fs_write_atomic(&path, out.as_bytes(), 0o600)?;
    Ok(true)
}

/// A new job id: time-ordered, unique across processes.
pub fn new_id(host: &dyn Host, kind: Kind) -> String {
    let k = match kind {
        Kind::SessionNotes => "notes",
        Kind::LongTerm => "lt",
    };
    format!(
        "{k}-{:013}-{}",
        host.now_ms().max(0),
        crate::host::random_hex(host, 4)
    )
}

/// Renders messages as a transcript, keeping the newest within `max_bytes`.
pub fn render_transcript(messages: &[Value], max_bytes: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut total = 0usize;
    for m in messages.iter().rev() {
        let line = render_message(m);
        if line.is_empty() {
            continue;
        }
        if total + line.len() + 1 > max_bytes {
            if parts.is_empty() {
                // The newest message alone is too big: keep its end.
                let mut start = line.len().saturating_sub(max_bytes);
                while start < line.len() && !line.is_char_boundary(start) {
                    start += 1;
                }
                parts.push(line.get(start..).unwrap_or("").to_string());
            }
            break;
        }
        total += line.len() + 1;
        parts.push(line);
    }
    parts.reverse();
    parts.join("\n")
}

const TOOL_RESULT_CLIP: usize = 2_000;

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} bytes cut]",
        s.get(..end).unwrap_or(""),
        s.len() - end
    )
}

/// One message as transcript text: role, text, tool calls with arguments, clipped results.
pub fn render_message(m: &Value) -> String {
    let role = m.get("role").and_then(Value::as_str).unwrap_or("unknown");
    let mut text = String::new();
    match m.get("content") {
        Some(Value::String(s)) => text.push_str(s),
        Some(Value::Array(blocks)) => {
            for b in blocks {
                match b.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(t) = b.get("text").and_then(Value::as_str) {
                            text.push_str(t);
                            text.push('\n');
                        }
                    }
                    Some("toolCall") | Some("tool_use") => {
                        let name = b.get("name").and_then(Value::as_str).unwrap_or("?");
                        let args = b
                            .get("arguments")
                            .or_else(|| b.get("input"))
                            .map(|a| a.to_string())
                            .unwrap_or_default();
                        text.push_str(&format!("[tool call {name} {}]\n", clip(&args, 1_000)));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let clipped = if role == "toolResult" || role == "tool" {
        clip(text, TOOL_RESULT_CLIP)
    } else {
        text.to_string()
    };
    format!("[{role}] {clipped}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};
    use serde_json::json;

    #[test]
    fn p3_t16_torn_last_line_is_ignored() {
        let good = serde_json::to_string(&record(1, "a", Event::Enqueued, None, None)).unwrap();
        let text = format!("{good}\n{{\"v\":1,\"at\":2,\"jobId\":\"a\",\"ev");
        let r = parse(&text);
        assert_eq!(r.len(), 1);
        let s = fold(&r);
        assert_eq!(live(&s), vec!["a".to_string()]);
    }

    #[test]
    fn fold_tracks_attempts_and_terminal_events() {
        let rs = vec![
            record(1, "a", Event::Enqueued, None, None),
            record(2, "a", Event::Started, Some(1), None),
            record(3, "a", Event::Failed, Some(1), Some("x".into())),
            record(4, "a", Event::Started, Some(2), None),
            record(5, "a", Event::Succeeded, None, None),
            record(6, "b", Event::Enqueued, None, None),
        ];
        let s = fold(&rs);
        assert_eq!(s["a"].started, 2);
        assert_eq!(s["a"].failed, 1);
        assert_eq!(s["a"].terminal, Some(Event::Succeeded));
        assert_eq!(live(&s), vec!["b".to_string()]);
    }

    #[test]
    fn journal_compaction_keeps_only_live_jobs() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let st = "/s";
        for i in 0..200 {
            let id = format!("done-{i}");
            append(&h, st, &record(i, &id, Event::Enqueued, None, None)).unwrap();
            append(&h, st, &record(i, &id, Event::Succeeded, None, None)).unwrap();
        }
        append(&h, st, &record(9, "live", Event::Enqueued, None, None)).unwrap();
        assert!(
            !compact(&h, st).unwrap(),
            "below 10 MiB nothing is rewritten"
        );
        assert!(compact_above(&h, st, 1_000).unwrap());
        let s = read_status(&h, st).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(live(&s), vec!["live".to_string()]);
        assert!(!compact_above(&h, st, 1_000).unwrap());
    }

    #[test]
    fn transcripts_keep_the_newest_messages_and_clip_tool_results() {
        let msgs = vec![
            json!({"role": "user", "content": "first question"}),
            json!({"role": "assistant", "content": [{"type": "toolCall", "name": "exec", "arguments": {"command": "ls"}}]}),
            json!({"role": "toolResult", "content": [{"type": "text", "text": "y".repeat(5_000)}]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "done"}]}),
        ];
        let all = render_transcript(&msgs, 100_000);
        assert!(all.starts_with(
            "[user] first question\n[assistant] [tool call exec {\"command\":\"ls\"}]"
        ));
        assert!(all.contains("bytes cut]"));
        let tail = render_transcript(&msgs, 20);
        assert_eq!(tail, "[assistant] done");
    }
}
