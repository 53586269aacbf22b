//! Shared helpers of the unit tests: the command corpora (`AGENT_OPS_CORPORA_DIR`, or
//! `tests/corpora` in the crate; a missing corpus fails the test that needs it) and the
//! evaluation context the phase 4 tests use.

/// Every state file's hand reader against its derived `Deserialize` (issue 16 size pass); here
/// because it names the state types of every phase, which the ground-floor `json` may not.
mod state_readers;

use crate::shell::{BashSecurityConfig, EvalContext, Os, SnippetJudge};
use std::path::PathBuf;

/// Home `/home/u`, working directory and workspace `/home/u/ws`, on `os`.
pub(crate) fn eval_ctx(os: Os) -> EvalContext {
    EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os,
        env_keys: Vec::new(),
        ..Default::default()
    }
}

/// Phase 4 with its default settings as the judge phase 7's scanner is handed (context of
/// [`eval_ctx`] on the default OS).
pub(crate) fn shell_judge() -> SnippetJudge<'static> {
    static CFG: std::sync::OnceLock<BashSecurityConfig> = std::sync::OnceLock::new();
    SnippetJudge {
        ctx: eval_ctx(Os::default()),
        cfg: CFG.get_or_init(BashSecurityConfig::default),
    }
}

/// The corpora directory: `tests/corpora` in the checkout, or `AGENT_OPS_CORPORA_DIR` when set
/// and not empty (an optional override, like everywhere else).
pub(crate) fn dir() -> PathBuf {
    match std::env::var_os("AGENT_OPS_CORPORA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpora"),
    }
}

/// The text of corpus `name` (for example `tldr.txt`).
pub(crate) fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "corpus {} missing ({e}); set AGENT_OPS_CORPORA_DIR",
            path.display()
        )
    })
}
