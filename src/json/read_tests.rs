//! Every state type read by [`super::FromJson`] against its derived `Deserialize`, on a full
//! and a minimal seed and every single mutation of them (see [`super::assert_reads_like_serde`]).

use super::{assert_reads_like_serde, check_reader as check};
use serde_json::json;

#[test]
fn compaction_and_budget_state() {
    use crate::budget::{Lifts, SessionBudget, SpendLine};
    use crate::compaction::CompactionState;
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
    use crate::memory_scope::CostRecord;
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
fn skills_index() {
    use crate::fork_skills::IndexFile;
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
