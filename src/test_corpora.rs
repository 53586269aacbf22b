//! The shared command corpora for unit tests: `AGENT_OPS_CORPORA_DIR`, or `../shared/corpora`
//! next to the crate (see the corpora README). A missing corpus fails the test that needs it.

use std::path::PathBuf;

/// The corpora directory.
pub(crate) fn dir() -> PathBuf {
    match std::env::var_os("AGENT_OPS_CORPORA_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora"),
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
