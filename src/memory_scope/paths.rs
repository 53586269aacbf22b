//! Memory directory resolution and path rules (P5-R1 … R8): agent directory names, the
//! remote base, the three scopes, validation of configured locations, and ownership of a path.

use super::Scope;
pub use crate::memdir::ENTRYPOINT_NAME;
pub use crate::paths::normalize_absolute as normalize;
use serde::{Deserialize, Serialize};

pub use crate::memdir::dir_lock_path;
/// Longest agent directory name.
pub const DIRNAME_MAX: usize = 64;
/// Longest sanitized project path before hashing.
pub const SANITIZED_PATH_MAX: usize = 200;

/// Home-relative directories that hold credentials (phase 4 §6.4): memory never goes there.
const SECRET_DIRS: [&str; 13] = [
    ".ssh",
    ".aws",
    ".config/gcloud",
    ".azure",
    ".kube",
    ".docker",
    ".gnupg",
    ".password-store",
    "Library/Keychains",
    ".electrum",
    ".config/solana",
    ".config/gh",
    ".openclaw/credentials",
];

/// System directories memory never goes into.
const SYSTEM_DIRS: [&str; 9] = [
    "/etc", "/usr", "/bin", "/sbin", "/lib", "/boot", "/dev", "/proc", "/sys",
];

/// P5-R1: `:` → `-`, anything outside `[A-Za-z0-9._-]` → `-`, leading `.`/`-` stripped,
/// at most 64 characters, empty → `agent`.
pub fn dir_name(agent_id: &str) -> String {
    let replaced: String = agent_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed: String = replaced
        .trim_start_matches(['.', '-'])
        .chars()
        .take(DIRNAME_MAX)
        .collect();
    if trimmed.is_empty() {
        "agent".into()
    } else {
        trimmed
    }
}

/// P5-R4 `sanitize(p)`: non-alphanumerics → `-`; past 200 characters, the first 200 plus `-`
/// and 8 hex characters of SHA-256(p).
pub fn sanitize(path: &str) -> String {
    let s: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if s.chars().count() <= SANITIZED_PATH_MAX {
        return s;
    }
    let head: String = s.chars().take(SANITIZED_PATH_MAX).collect();
    format!(
        "{head}-{}",
        crate::hash::sha256_hex_prefix(path.as_bytes(), 4)
    )
}

fn within(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/')) || dir == "/"
}

/// Why a configured location was refused (P5-R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPath {
    /// The value as configured.
    pub value: String,
    /// The rule that refused it.
    pub rule: &'static str,
}

/// P5-R6: validates a configured memory location; `~/sub` is expanded with `home`.
pub fn validate(value: &str, home: &str) -> Result<String, BadPath> {
    let bad = |rule| {
        Err(BadPath {
            value: value.to_string(),
            rule,
        })
    };
    if value.contains('\0') {
        return bad("contains a NUL byte");
    }
    let trimmed = value.trim_end_matches(['/', '\\']);
    if matches!(trimmed, "~" | "~/." | "~/..") || value == "~/" {
        return bad("is the home directory or its parent");
    }
    if value.starts_with("\\\\") || value.starts_with("//") {
        return bad("is a UNC path");
    }
    let b = value.as_bytes();
    if b.len() >= 2 && b.first().is_some_and(u8::is_ascii_alphabetic) && b.get(1) == Some(&b':') {
        return bad("is a Windows drive path");
    }
    if trimmed.chars().count() < 3 && trimmed != "/" {
        return bad("is shorter than 3 characters");
    }
    let expanded = match value.strip_prefix("~/") {
        Some(rest) => format!("{}/{rest}", home.trim_end_matches('/')),
        None => value.to_string(),
    };
    let Some(norm) = normalize(&expanded) else {
        return bad("is not an absolute path");
    };
    let home_n = normalize(home).unwrap_or_default();
    if norm == "/" || norm == home_n {
        return bad("is the root or the home directory");
    }
    if !home_n.is_empty()
        && SECRET_DIRS
            .iter()
            .any(|d| within(&norm, &format!("{home_n}/{d}")))
    {
        return bad("is inside a secret location");
    }
    if SYSTEM_DIRS.iter().any(|d| within(&norm, d)) || norm.starts_with("/lib") {
        return bad("is inside a system directory");
    }
    Ok(norm)
}

/// The remote memory base (P5-R3): `AGENT_OPS_REMOTE_MEMORY_DIR`, else
/// `CLAUDE_CODE_REMOTE_MEMORY_DIR`; an invalid value is reported and ignored.
pub fn remote_dir(
    agent_ops: Option<&str>,
    claude_code: Option<&str>,
    home: &str,
) -> (Option<String>, Option<BadPath>) {
    let raw = agent_ops
        .filter(|v| !v.is_empty())
        .or(claude_code.filter(|v| !v.is_empty()));
    match raw.map(|v| validate(v, home)) {
        None => (None, None),
        Some(Ok(p)) => (Some(p), None),
        Some(Err(e)) => (None, Some(e)),
    }
}

fn truthy(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// P5-R5, first match wins: `AGENT_OPS_DISABLE_MEMORY`, then `AGENT_OPS_REMOTE` without a
/// remote dir, then the config.
pub fn memory_enabled(
    disable_env: Option<&str>,
    remote_env: Option<&str>,
    remote_dir_set: bool,
    config_enabled: bool,
) -> bool {
    if let Some(d) = disable_env.and_then(truthy) {
        return !d;
    }
    if remote_env.and_then(truthy) == Some(true) && !remote_dir_set {
        return false;
    }
    config_enabled
}

/// Everything a directory depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    /// `<stateDir>/memory` or the remote dir.
    pub memory_base: String,
    /// The remote dir, when set and valid.
    pub remote: Option<String>,
    /// The project root (P5-R2), as the file system names it: every path below it.
    pub project_root: String,
    /// The project root in Unicode NFC (P5-R2): the project's identity, the name of its
    /// remote `local` directory. The same project reached as NFD (macOS) and NFC (Linux)
    /// gets one directory; paths keep the file system's own spelling, which on Linux may be
    /// the only one that exists.
    pub project_key: String,
}

impl Roots {
    /// Roots from the state dir, the remote dir and the project root (its NFC spelling the
    /// same as the root when the Host could not normalise it).
    pub fn new(
        state_dir: &str,
        remote: Option<String>,
        project_root: &str,
        project_key: &str,
    ) -> Roots {
        let memory_base = remote
            .clone()
            .unwrap_or_else(|| format!("{}/memory", state_dir.trim_end_matches('/')));
        Roots {
            memory_base,
            remote,
            project_root: project_root.trim_end_matches('/').to_string(),
            project_key: project_key.trim_end_matches('/').to_string(),
        }
    }

    /// Parent of every agent directory of a scope (ends without a separator).
    pub fn scope_root(&self, scope: Scope) -> Option<String> {
        match scope {
            Scope::User => Some(format!("{}/agent-memory", self.memory_base)),
            Scope::Project => Some(format!("{}/.openclaw/agent-memory", self.project_root)),
            Scope::Local => Some(match &self.remote {
                Some(r) => format!(
                    "{r}/projects/{}/agent-memory-local",
                    sanitize(&self.project_key)
                ),
                None => format!("{}/.openclaw/agent-memory-local", self.project_root),
            }),
            Scope::None => None,
        }
    }

    /// P5-R4: the agent's memory directory (with a trailing `/`), `None` for scope `none`.
    pub fn dir(&self, scope: Scope, agent_id: &str) -> Option<String> {
        self.scope_root(scope)
            .map(|r| format!("{r}/{}/", dir_name(agent_id)))
    }

    /// The directory below which no component may be a symlink (P5-R8a).
    pub fn trusted_base(&self, scope: Scope) -> Option<String> {
        match (scope, &self.remote) {
            (Scope::User, _) => Some(self.memory_base.clone()),
            (Scope::Local, Some(r)) => Some(r.clone()),
            (Scope::Project, _) | (Scope::Local, None) => Some(self.project_root.clone()),
            (Scope::None, _) => None,
        }
    }

    /// P5-R8: the scope and agent directory that own `path`, if it is agent memory.
    pub fn owner_of(&self, path: &str) -> Option<Owner> {
        let p = normalize(path)?;
        for scope in [Scope::User, Scope::Project, Scope::Local] {
            let Some(root) = self.scope_root(scope) else {
                continue;
            };
            if let Some(rest) = p.strip_prefix(&format!("{root}/")) {
                let dir = rest.split('/').next().unwrap_or("");
                if !dir.is_empty() {
                    return Some(Owner {
                        scope,
                        dir_name: dir.to_string(),
                    });
                }
            }
        }
        None
    }

    /// `isAgentMemoryPath` (P5-R8).
    pub fn is_agent_memory_path(&self, path: &str) -> bool {
        self.owner_of(path).is_some()
    }
}

/// Who a memory path belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// Scope.
    pub scope: Scope,
    /// Agent directory name.
    pub dir_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p5_t1_t2_dir_names() {
        assert_eq!(dir_name("plugin:reviewer"), "plugin-reviewer");
        assert_eq!(dir_name("../../x"), "x");
        assert_eq!(dir_name(".hidden"), "hidden");
        assert_eq!(dir_name(""), "agent");
        assert_eq!(dir_name("é"), "agent");
        assert_eq!(dir_name(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn p5_t3_t4_t6_scope_dirs() {
        let r = Roots::new("/s/agent-ops", None, "/srv/app", "/srv/app");
        assert_eq!(
            r.dir(Scope::User, "main").unwrap(),
            "/s/agent-ops/memory/agent-memory/main/"
        );
        assert_eq!(
            r.dir(Scope::Local, "main").unwrap(),
            "/srv/app/.openclaw/agent-memory-local/main/"
        );
        assert_eq!(r.dir(Scope::None, "main"), None);
        let r = Roots::new("/s/agent-ops", Some("/r".into()), "/srv/app", "/srv/app");
        assert_eq!(
            r.dir(Scope::Local, "main").unwrap(),
            "/r/projects/-srv-app/agent-memory-local/main/"
        );
        assert_eq!(
            r.dir(Scope::Project, "main").unwrap(),
            "/srv/app/.openclaw/agent-memory/main/"
        );
        assert_eq!(r.dir(Scope::User, "main").unwrap(), "/r/agent-memory/main/");
        assert_eq!(r.trusted_base(Scope::Project).unwrap(), "/srv/app");
        assert_eq!(r.trusted_base(Scope::Local).unwrap(), "/r");
    }

    #[test]
    fn p5_t7_bad_remote_dirs_fall_back() {
        for v in [
            "rel/x",
            "~",
            "~/..",
            "C:\\",
            "//srv/x",
            "~/.ssh/mem",
            "~/",
            "~/.",
            "/",
            "/etc/mem",
            "/home/u",
            "/x\0y",
            "ab",
        ] {
            let (dir, bad) = remote_dir(Some(v), None, "/home/u");
            assert!(dir.is_none() && bad.is_some(), "{v:?} accepted");
        }
        assert_eq!(validate("~/mem", "/home/u").unwrap(), "/home/u/mem");
        assert_eq!(validate("/data/mem/", "/home/u").unwrap(), "/data/mem");
        assert!(validate("/home/u/.aws/x", "/home/u").is_err());
    }

    #[test]
    fn p5_t28_agent_ops_variable_wins() {
        assert_eq!(
            remote_dir(None, Some("/rem"), "/h").0.as_deref(),
            Some("/rem")
        );
        assert_eq!(
            remote_dir(Some("/aaa"), Some("/rem"), "/h").0.as_deref(),
            Some("/aaa")
        );
    }

    #[test]
    fn p5_t8_t9_enablement() {
        assert!(memory_enabled(Some("0"), None, false, false));
        assert!(!memory_enabled(Some("yes"), None, true, true));
        assert!(!memory_enabled(None, Some("1"), false, true));
        assert!(memory_enabled(None, Some("1"), true, true));
        assert!(!memory_enabled(None, None, false, false));
        assert!(memory_enabled(Some("maybe"), None, false, true));
    }

    #[test]
    fn p5_t10_long_project_paths_are_hashed() {
        let p = format!("/{}", "d".repeat(299));
        let s = sanitize(&p);
        assert_eq!(s.len(), 200 + 1 + 8);
        assert!(s.starts_with("-ddd"));
        assert_eq!(&s[201..], crate::hash::sha256_hex_prefix(p.as_bytes(), 4));
        assert_eq!(sanitize("/srv/app"), "-srv-app");
    }

    #[test]
    fn p5_t12_ownership_is_lexical_and_traversal_safe() {
        let r = Roots::new("/s", None, "/srv/app", "/srv/app");
        assert!(!r.is_agent_memory_path("/s/memory/agent-memory/main/../../../etc/passwd"));
        assert_eq!(
            r.owner_of("/s/memory/agent-memory/main/notes.md"),
            Some(Owner {
                scope: Scope::User,
                dir_name: "main".into()
            })
        );
        assert_eq!(
            r.owner_of("/srv/app/.openclaw/agent-memory/rev/a/b.md")
                .map(|o| o.scope),
            Some(Scope::Project)
        );
        assert!(!r.is_agent_memory_path("/srv/app/.openclaw/agent-memory"));
        assert!(!r.is_agent_memory_path("relative/path"));
    }
}
