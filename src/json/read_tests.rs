//! Every state type read by [`super::FromJson`] against its derived `Deserialize`, on a full
//! and a minimal seed and every single mutation of them (see [`super::assert_reads_like_serde`]).

use super::assert_reads_like_serde;
use serde_json::{json, Value};

fn check<T>(seeds: &[Value])
where
    T: super::FromJson + serde::de::DeserializeOwned + serde::Serialize + Default + std::fmt::Debug,
{
    let n = assert_reads_like_serde::<T>(seeds);
    assert!(n > 20 * seeds.len(), "{n} inputs");
    // Every key `Serialize` writes has a line in the type's list: a field added without one
    // would be dropped on reading.
    if let Ok(Value::Object(written)) = serde_json::to_value(T::default()) {
        for k in written.keys() {
            assert!(
                T::KEYS.contains(&k.as_str()),
                "`{k}` has no json_struct! line"
            );
        }
    }
}

fn lineage_record() -> Value {
    json!({"childSessionKey": "agent:main:subagent:1", "parentSessionKey": "agent:main:main",
        "rootSessionKey": "agent:main:main", "depth": 1, "agentId": "main", "label": "l",
        "spawnMode": "run", "contextMode": "fork", "taskHash": "ab", "task": "t", "model": "p/m",
        "cwd": "/w", "status": "rolled_back", "spawnedAt": 5, "lastProgressAt": -6,
        "endedAt": 7, "outcome": "ok", "epoch": "e", "delivered": ["h"],
        "deliveredAt": {"h": 9}})
}

#[test]
fn coordinator_state() {
    use crate::coordinator::engine::Notices;
    use crate::coordinator::lineage::{LineageEvent, LineageRecord, Registry};
    use crate::coordinator::mode::SessionMode;
    use crate::coordinator::store::StateFile;
    check::<LineageRecord>(&[lineage_record()]);
    check::<Registry>(&[
        json!({"records": {"a": lineage_record()}}),
        json!({"records": {}}),
    ]);
    check::<StateFile>(&[json!({"v": 1, "journal": 2, "lines": 3,
        "registry": {"records": {"a": lineage_record()}}})]);
    check::<LineageEvent>(&[
        json!({"v": 1, "at": 2, "epoch": "e", "event": "delivered", "parentSessionKey": "p",
            "childSessionKey": "c", "runId": "r", "agentId": "a", "label": "l",
            "spawnMode": "run", "contextMode": "isolated", "taskHash": "h", "task": "t",
            "model": "m", "cwd": "/", "outcome": "ok", "reason": "why", "resultHash": "x"}),
        json!({}),
    ]);
    check::<Notices>(&[
        json!({"v": 1, "pending": {"p": [{"id": "i", "text": "t", "at": 3}]}, "seen": {"i": 4}}),
        json!({}),
    ]);
    check::<SessionMode>(&[
        json!({"v": 1, "sessionKey": "k", "mode": "coordinator", "savedAt": 2, "resumes": 3,
            "lastResumeAt": 4}),
        json!({"v": 1, "sessionKey": "k", "mode": "normal", "savedAt": 2}),
    ]);
}

#[test]
fn compaction_and_budget_state() {
    use crate::budget::cost::{Lifts, SpendLine};
    use crate::budget::ledger::SessionBudget;
    use crate::compaction::state::CompactionState;
    check::<CompactionState>(&[
        json!({"v": 1, "sessionId": "s", "sessionKey": "k", "consecutiveFailures": 2,
            "breakerOpen": true, "breakerOpenedAt": 3, "compacted": true,
            "lastCompactionAt": 4, "lastTokensBefore": 5, "lastTokensAfter": 6,
            "runsSinceCompaction": -1, "compactionsTotal": 7, "failuresTotal": 8,
            "inFlight": {"startedAt": 9, "trigger": "overflow"},
            "history": [{"at": 1, "trigger": "manual", "outcome": "refused",
                "tokensBefore": 2, "tokensAfter": 3, "code": "c"}],
            "lastSeenAt": 10}),
        json!({}),
    ]);
    check::<SessionBudget>(&[
        json!({"v": 1, "sessionKey": "k", "runs": 1, "inputTokens": 2, "outputTokens": 3,
            "cacheRead": 4, "cacheWrite": 5, "costUsd": 0.25, "lastRunAt": 6,
            "exhausted": true, "exhaustedCode": "c", "costUnknownCalls": 7}),
        json!({}),
    ]);
    check::<SpendLine>(&[
        json!({"v": 1, "at": 2, "agentId": "a", "sessionKey": "k", "runId": "r",
            "purpose": "main", "provider": "p", "model": "m", "input": 1, "output": 2,
            "cacheRead": 3, "cacheWrite": 4, "costUsd": 1.5, "source": "table"}),
        json!({"v": 1, "at": 2, "agentId": "a", "purpose": "main", "costUsd": null,
            "source": "unknown"}),
    ]);
    check::<Lifts>(&[
        json!({"v": 1, "holds": {"a": {"code": "c", "message": "m", "at": 1, "until": 2}},
            "resumedAt": {"a": 3}, "allResumedAt": 4, "sessionBase": {"s": 0.5}}),
        json!({}),
    ]);
}

#[test]
fn host_info_and_records() {
    use crate::contract::HostInfo;
    use crate::memory_scope::costs::CostRecord;
    check::<HostInfo>(&[
        json!({"openclawStateDir": "/s", "homeDir": "/h", "workspaceDir": "/w", "os": "linux",
            "conversationAccess": true, "contextEngineSelected": false,
            "openclawVersion": "1", "models": [{"provider": "p", "id": "m",
                "contextWindow": 8, "maxTokens": 9,
                "cost": {"input": 1, "output": 2.5, "cacheRead": 0, "cacheWrite": 3}}],
            "compactionProvider": "c", "hostCompactionEnabled": true,
            "compactionTimeoutSeconds": 30, "tmpDir": "/tmp", "pid": 4,
            "sandbox": {"mode": "all"}}),
        json!({}),
    ]);
    check::<CostRecord>(&[
        json!({"v": 1, "at": 2, "sessionKey": "k", "agentId": "a", "runId": "r",
            "purpose": "main", "provider": "p", "model": "m", "tier": "main",
            "inputTokens": 1, "outputTokens": 2, "cacheReadTokens": 3, "cacheWriteTokens": 4,
            "costUsd": 0.5, "durationMs": 5, "cacheHitRate": 0.1, "cacheSafe": true,
            "scope": "user", "forkLabel": "fork"}),
        json!({"v": 1, "at": 2, "purpose": "main", "tier": "fast"}),
    ]);
}

#[test]
fn jobs_and_skills_index() {
    use crate::fork_skills::engine::IndexFile;
    use crate::session_memory::jobs::{JobFile, Record};
    check::<JobFile>(&[
        json!({"v": 1, "jobId": "j", "kind": "long_term", "sessionKey": "k",
        "sessionId": "s", "agentId": "a", "createdAt": 2, "attempts": 3,
        "input": {"transcript": "t", "notesPath": "n", "memDir": "m", "trustedBase": "b",
            "scope": "user", "scopeNote": "note", "condense": ["c"]},
        "cursorAfter": {"c": 1}}),
    ]);
    check::<Record>(&[
        json!({"v": 1, "at": 2, "jobId": "j", "event": "dropped", "attempt": 3, "code": "c"}),
        json!({"v": 1, "at": 2, "jobId": "j", "event": "enqueued"}),
    ]);
    check::<IndexFile>(&[
        json!({"v": 1, "entries": {"/a/SKILL.md": {"size": 1, "mtimeMs": 2, "sha256": "h"}}}),
        json!({}),
    ]);
}

#[test]
fn host_replies() {
    use crate::host::{DirListing, ExecOutput, FileStat, HostDirs, HostError};
    check::<FileStat>(&[json!({"kind": "symlink", "size": 1, "mtimeMs": -2})]);
    check::<DirListing>(&[
        json!({"entries": [{"name": "a", "kind": "dir", "size": 0, "mtimeMs": 3}],
            "truncated": false}),
    ]);
    check::<ExecOutput>(&[json!({"status": -1, "stdout": "o", "stderr": "e", "timedOut": true})]);
    check::<HostDirs>(&[
        json!({"stateDir": "/s", "homeDir": "/h", "workspaceDir": "/w", "projectRoot": "/p",
            "remoteMemoryDir": "/r", "openclawStateDir": "/o"}),
        json!({}),
    ]);
    assert_reads_like_serde::<HostError>(&[
        json!({"kind": "Io", "message": "m"}),
        json!({"kind": "NotFound"}),
    ]);
}

#[test]
fn session_memory_refs_and_operations() {
    use crate::session_memory::rules::{MessageRef, Operation};
    check::<MessageRef>(&[
        json!({"entryId": "e", "index": 3, "fingerprint": "f"}),
        json!({"index": 0, "fingerprint": ""}),
    ]);
    check::<Operation>(&[
        json!({"op": "upsert", "file": "a.md", "type": "user", "name": "n", "description": "d",
            "body": "b"}),
        json!({"op": "delete", "file": "a.md"}),
    ]);
}
