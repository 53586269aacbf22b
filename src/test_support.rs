//! Shared helpers of the unit tests: the command corpora (`AGENT_OPS_CORPORA_DIR`, or
//! `tests/corpora` in the crate; a missing corpus fails the test that needs it) and the
//! evaluation context the phase 4 tests use.

use crate::shell::{EvalContext, Os};
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
