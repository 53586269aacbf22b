//! Approval grants (issue 16 item 9): an operator's `allow-always` answer becomes a grant for
//! the command's *pattern* (program, subcommand, effect class), never for its exact argv.
//!
//! This module is pure: it derives patterns from the semantic model, decides which asks a
//! grant may lift, and defines the store format. The runtime reads and writes the store
//! through the Host (atomic writes under a lock).
//!
//! What a grant can lift is deliberately narrow:
//! * only *liftable* asks (P4-R36: `unlisted`, `interpreter`, `network`, `write`,
//!   `run_project`, a check-7 write inside the workspace), never a finding-based ask, a
//!   limit, `destructive`, `unknown_option`, and never any deny;
//! * only for a command whose pattern names what it runs: `npm test`, `python -m pytest`,
//!   `cargo build`, `python tests/run.py`. Inline code (`python -c …`), shells, privilege
//!   wrappers and commands whose only pattern would be the bare program (`curl`, `rm`) are
//!   never grantable: a grant for them would cover arbitrary behaviour;
//! * only in the scope it was given (one session, or one agent) and the workspace it was
//!   given in, until it expires.

use super::semantic::{Arg, ExecCommand};
use super::tables::{self, Classes};
use crate::json;
use serde_json::{Map, Value};

/// Version of the grants file format.
pub const GRANTS_FILE_VERSION: u32 = 1;

/// Most grants kept in one store; the oldest are dropped past it (a bounded file).
pub const MAX_GRANTS: usize = 500;

/// Longest example command kept with a grant (the journal has the full text).
pub const MAX_EXAMPLE_CHARS: usize = 200;

/// Whether an ask reason code may be lifted by a grant: P4-R36's liftable asks plus
/// `run_project`.
pub fn grantable_code(code: &str) -> bool {
    // Byte-string patterns: a decision on length and bytes, where a list scan made a
    // `memcmp` call per code of equal length (this runs for every reason, P4-R49).
    matches!(
        code.as_bytes(),
        b"exec.ask.unlisted"
            | b"exec.ask.interpreter"
            | b"exec.ask.network"
            | b"exec.ask.write"
            | b"exec.ask.run_project"
            | b"exec.ask.check.write_redirection"
    )
}

/// The part of a command a grant is for: argv-prefix words and the ask it lifts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pattern {
    /// Literal argv prefix (`["npm", "test"]`, `["python3", "-m", "pytest"]`).
    pub words: Vec<String>,
    /// The liftable ask reason code this pattern had when it was granted.
    pub class: String,
}

impl Pattern {
    /// The pattern as one line (`npm test [exec.ask.unlisted]`).
    pub fn display(&self) -> String {
        format!("{} [{}]", self.words.join(" "), self.class)
    }
}

/// Who a grant applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GrantScope {
    /// The session the approval was given in.
    #[default]
    Session,
    /// Every session of the agent the approval was given for.
    Agent,
}

impl GrantScope {
    /// `session` or `agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantScope::Session => "session",
            GrantScope::Agent => "agent",
        }
    }
}

/// One stored grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Short random id (for `revoke`).
    pub id: String,
    /// The patterns granted together (one per command of the approved line that asked).
    pub patterns: Vec<Pattern>,
    /// Session or agent scope.
    pub scope: GrantScope,
    /// The session key (session scope) or agent id (agent scope).
    pub owner: String,
    /// The workspace the grant was given in.
    pub workspace: String,
    /// When it was given, ms since the epoch.
    pub created_ms: i64,
    /// When it stops applying, ms since the epoch.
    pub expires_ms: i64,
    /// The approved command, cut to [`MAX_EXAMPLE_CHARS`].
    pub example: String,
}

impl Grant {
    /// Whether the grant applies to a call of `session_key` / `agent_id` in `workspace` at
    /// `now_ms`.
    pub fn applies(&self, session_key: &str, agent_id: &str, workspace: &str, now_ms: i64) -> bool {
        let owner = match self.scope {
            GrantScope::Session => session_key,
            GrantScope::Agent => agent_id,
        };
        !owner.is_empty()
            && self.owner == owner
            && self.workspace == workspace
            && now_ms < self.expires_ms
    }
}

/// The grants file (`<state>/exec/grants.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantsFile {
    /// Format version ([`GRANTS_FILE_VERSION`]).
    pub v: u32,
    /// Grants, oldest first.
    pub grants: Vec<Grant>,
}

// The grants file is read and written through `serde_json::Value` by hand: derived serde
// impls for these types cost about 40 KB of the size-optimised wasm, while `Value`'s code is in
// it anyway (README G-R3).

fn str_of(v: &Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("`{key}` must be a string"))
}

fn i64_of(v: &Value, key: &str) -> Result<i64, String> {
    v.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("`{key}` must be an integer"))
}

impl Pattern {
    /// `{"words": [...], "class": "..."}`.
    pub fn to_value(&self) -> Value {
        json!({ "words": self.words, "class": self.class })
    }

    /// The inverse of [`Pattern::to_value`].
    pub fn from_value(v: &Value) -> Result<Pattern, String> {
        let words = v
            .get("words")
            .and_then(Value::as_array)
            .ok_or("`words` must be an array")?
            .iter()
            .map(|w| {
                w.as_str()
                    .map(str::to_string)
                    .ok_or("`words` must hold strings")
            })
            .collect::<Result<Vec<_>, _>>()?;
        if words.is_empty() {
            return Err("`words` must not be empty".into());
        }
        Ok(Pattern {
            words,
            class: str_of(v, "class")?,
        })
    }
}

impl GrantScope {
    fn parse(s: &str) -> Result<GrantScope, String> {
        match s {
            "session" => Ok(GrantScope::Session),
            "agent" => Ok(GrantScope::Agent),
            _ => Err(format!("unknown scope `{s}`")),
        }
    }
}

impl Grant {
    /// The grant as stored and as the CLI prints it with `--json`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::from(self.id.clone()));
        m.insert(
            "patterns".into(),
            Value::Array(self.patterns.iter().map(Pattern::to_value).collect()),
        );
        m.insert("scope".into(), Value::from(self.scope.as_str()));
        m.insert("owner".into(), Value::from(self.owner.clone()));
        m.insert("workspace".into(), Value::from(self.workspace.clone()));
        m.insert("createdMs".into(), Value::from(self.created_ms));
        m.insert("expiresMs".into(), Value::from(self.expires_ms));
        m.insert("example".into(), Value::from(self.example.clone()));
        Value::Object(m)
    }

    /// The inverse of [`Grant::to_value`].
    pub fn from_value(v: &Value) -> Result<Grant, String> {
        let patterns = v
            .get("patterns")
            .and_then(Value::as_array)
            .ok_or("`patterns` must be an array")?
            .iter()
            .map(Pattern::from_value)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Grant {
            id: str_of(v, "id")?,
            patterns,
            scope: GrantScope::parse(&str_of(v, "scope")?)?,
            owner: str_of(v, "owner")?,
            workspace: str_of(v, "workspace")?,
            created_ms: i64_of(v, "createdMs")?,
            expires_ms: i64_of(v, "expiresMs")?,
            example: v
                .get("example")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
    }
}

impl GrantsFile {
    /// `{"v": 1, "grants": [...]}`.
    pub fn to_value(&self) -> Value {
        json!({ "v": self.v, "grants": self.grants.iter().map(Grant::to_value).collect::<Vec<_>>() })
    }

    /// Reads a grants file. A grant that does not read is an error for the whole file: the
    /// store moves such a file aside rather than half-trusting it.
    pub fn from_value(v: &Value) -> Result<GrantsFile, String> {
        let version = v
            .get("v")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("`v` must be a version number")?;
        if version > GRANTS_FILE_VERSION {
            // A newer format: its grants are not read, only its version is kept.
            return Ok(GrantsFile {
                v: version,
                grants: Vec::new(),
            });
        }
        let grants = v
            .get("grants")
            .and_then(Value::as_array)
            .ok_or("`grants` must be an array")?
            .iter()
            .enumerate()
            .map(|(i, g)| Grant::from_value(g).map_err(|e| format!("grants[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GrantsFile { v: version, grants })
    }

    /// Drops expired grants and keeps at most [`MAX_GRANTS`] (the newest).
    pub fn prune(&mut self, now_ms: i64) {
        self.grants.retain(|g| now_ms < g.expires_ms);
        let extra = self.grants.len().saturating_sub(MAX_GRANTS);
        if extra > 0 {
            self.grants.drain(..extra);
        }
    }
}

/// Programs whose first operand is a subcommand that says what runs (`npm test`, `cargo
/// build`, `git commit`).
const SUBCOMMAND_TOOLS: &[&str] = &[
    "npm",
    "pnpm",
    "yarn",
    "bun",
    "deno",
    "cargo",
    "go",
    "git",
    "docker",
    "podman",
    "kubectl",
    "helm",
    "pip",
    "pip3",
    "uv",
    "poetry",
    "pipenv",
    "pdm",
    "hatch",
    "rye",
    "conda",
    "mamba",
    "gradle",
    "gradlew",
    "mvn",
    "mvnw",
    "dotnet",
    "swift",
    "mix",
    "rebar3",
    "stack",
    "cabal",
    "bundle",
    "rake",
    "rails",
    "composer",
    "terraform",
    "gh",
    "nx",
    "turbo",
    "lerna",
    "just",
    "task",
    "bazel",
    "bazelisk",
    "buck2",
    "rustup",
    "zig",
    "sbt",
    "lein",
    "flutter",
    "dart",
];

/// Subcommands followed by a second word that says what runs (`npm run build`, `uv run
/// pytest`, `docker compose up`).
const TWO_LEVEL: &[(&str, &str)] = &[
    ("npm", "run"),
    ("npm", "run-script"),
    ("npm", "exec"),
    ("pnpm", "run"),
    ("pnpm", "exec"),
    ("pnpm", "dlx"),
    ("yarn", "run"),
    ("yarn", "dlx"),
    ("bun", "run"),
    ("bun", "x"),
    ("deno", "task"),
    ("uv", "run"),
    ("uv", "tool"),
    ("uv", "pip"),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("rye", "run"),
    ("conda", "run"),
    ("bundle", "exec"),
    ("docker", "compose"),
    ("podman", "compose"),
    ("dotnet", "tool"),
    ("cargo", "run"),
    ("go", "run"),
    ("gh", "pr"),
    ("gh", "issue"),
    ("gh", "repo"),
    ("gh", "run"),
    ("gh", "release"),
    ("kubectl", "config"),
    ("kubectl", "rollout"),
    ("git", "stash"),
    ("git", "remote"),
    ("git", "submodule"),
    ("git", "worktree"),
];

/// Programs that are an entry point by themselves (`pytest`, `tsc`): any arguments.
const ENTRY_POINTS: &[&str] = &[
    "pytest",
    "py.test",
    "tox",
    "nox",
    "tsc",
    "jest",
    "vitest",
    "mocha",
    "ava",
    "eslint",
    "prettier",
    "mypy",
    "pyright",
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "rspec",
    "phpunit",
    "ctest",
    "cmake",
    "ninja",
    "meson",
    "shellcheck",
    "hadolint",
    "golangci-lint",
];

/// `make`-like programs: the target is part of the pattern (`make test` is not `make install`).
const TARGET_TOOLS: &[&str] = &["make", "gmake", "ninja"];

/// Interpreter options that carry inline code: never grantable.
const INLINE_CODE_OPTIONS: &[&str] = &[
    "-c", "-e", "-E", "-r", "-p", "--eval", "--print", "-x", "-i", "-",
];

fn literal(a: &Arg) -> Option<&str> {
    // Only plain literals: a glob, an expansion or a substitution is not a stable pattern.
    (a.value.is_some() && !a.glob && !a.substitution && !a.param && !a.brace)
        .then(|| a.text())
        .filter(|t| !t.is_empty())
}

fn is_word(t: &str) -> bool {
    !t.starts_with('-')
        && !t.contains('=')
        && t.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b'@' | b'/')
        })
}

/// The pattern words of one executed command, or `None` when the command cannot be granted
/// as a pattern (see the module doc).
pub fn pattern_words(c: &ExecCommand) -> Option<Vec<String>> {
    let name = literal(c.argv.first()?)?;
    let base = super::paths::basename(name);
    if tables::is_shell(base)
        || tables::is(base, Classes::WRAPPER)
        || matches!(
            base,
            "sudo" | "doas" | "run0" | "pkexec" | "su" | "runuser" | "eval" | "source" | "."
        )
        || !c.assignments.is_empty()
    {
        return None;
    }
    let args = c.args();
    let mut words = vec![name.to_string()];
    if tables::interpreter_family(base).is_some() {
        // `python -m MODULE`, `python FILE`, `node FILE`: the module or file is the pattern.
        let first = args.first()?;
        let t = literal(first)?;
        if t == "-m" {
            let module = literal(args.get(1)?)?;
            is_word(module).then_some(())?;
            words.push(t.to_string());
            words.push(module.to_string());
            return Some(words);
        }
        if crate::shell::tables::has(INLINE_CODE_OPTIONS, t) || t.starts_with('-') || !is_word(t) {
            return None;
        }
        words.push(t.to_string());
        return Some(words);
    }
    if tables::has(ENTRY_POINTS, base) {
        return Some(words);
    }
    if tables::has(TARGET_TOOLS, base) {
        // The first operand that is not an option or a `VAR=value` is the target.
        if let Some(t) = args
            .iter()
            .filter_map(literal)
            .find(|t| !t.starts_with('-') && !t.contains('='))
        {
            is_word(t).then_some(())?;
            words.push(t.to_string());
        }
        return Some(words);
    }
    if tables::has(SUBCOMMAND_TOOLS, base) {
        // The subcommand must come first: options before it may take values we cannot
        // tell apart from the subcommand, so such a command is not a stable pattern.
        let sub = literal(args.first()?)?;
        is_word(sub).then_some(())?;
        words.push(sub.to_string());
        if TWO_LEVEL.iter().any(|(p, s)| *p == base && *s == sub) {
            let second = literal(args.get(1)?)?;
            is_word(second).then_some(())?;
            words.push(second.to_string());
        }
        return Some(words);
    }
    if name.starts_with("./") && !name.contains("/../") {
        // A script of the project run by path (`./run_tests.sh`): the path is the pattern.
        return Some(words);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::parser::{parse, ParseLimits};
    use crate::shell::semantic::{analyze, WalkLimits};

    fn words(cmd: &str) -> Option<Vec<String>> {
        let p = parse(cmd, &ParseLimits::default());
        let ctx = crate::test_support::eval_ctx(crate::shell::Os::Linux);
        let m = analyze(
            &p.script,
            &ctx,
            WalkLimits {
                max_commands: 1000,
                max_depth: 64,
                max_brace_words: 1024,
                parse: ParseLimits::default(),
            },
        );
        m.commands.first().and_then(pattern_words)
    }

    fn w(s: &str) -> Option<Vec<String>> {
        Some(s.split(' ').map(str::to_string).collect())
    }

    #[test]
    fn patterns_name_program_and_subcommand() {
        assert_eq!(words("npm test"), w("npm test"));
        assert_eq!(words("npm test -- --watch=false"), w("npm test"));
        assert_eq!(words("npm run build"), w("npm run build"));
        assert_eq!(words("cargo build --release"), w("cargo build"));
        assert_eq!(words("python3 -m pytest -x tests/"), w("python3 -m pytest"));
        assert_eq!(words("python reproduce.py --n 3"), w("python reproduce.py"));
        assert_eq!(words("pytest -k foo tests/"), w("pytest"));
        assert_eq!(words("make test"), w("make test"));
        assert_eq!(words("make"), w("make"));
        assert_eq!(words("docker compose up -d"), w("docker compose up"));
        assert_eq!(words("./run_tests.sh -v"), w("./run_tests.sh"));
    }

    #[test]
    fn inline_code_shells_and_bare_programs_are_not_grantable() {
        for cmd in [
            "python3 -c 'print(1)'",
            "node -e 'x'",
            "perl -e 'x'",
            "python3",
            "python3 - <<'EOF'\nprint(1)\nEOF",
            "bash run.sh",
            "sh -c 'npm test'",
            "sudo npm test",
            "curl https://example.invalid",
            "rm x",
            "npm --prefix x test",
            "npm $SUB",
            "python3 *.py",
            "X=1 npm test",
            "eval npm test",
            "./../x.sh",
        ] {
            assert_eq!(words(cmd), None, "{cmd}");
        }
    }

    #[test]
    fn a_pattern_never_widens_to_another_subcommand() {
        let granted = words("npm test").unwrap_or_default();
        assert_ne!(words("npm publish"), Some(granted.clone()));
        assert_ne!(words("npm run test"), Some(granted));
        let make = words("make test").unwrap_or_default();
        assert_ne!(words("make install"), Some(make));
    }

    #[test]
    fn grants_apply_only_in_scope_workspace_and_time() {
        let g = Grant {
            id: "g1".into(),
            patterns: vec![],
            scope: GrantScope::Session,
            owner: "agent:main:s1".into(),
            workspace: "/ws".into(),
            created_ms: 0,
            expires_ms: 100,
            example: String::new(),
        };
        assert!(g.applies("agent:main:s1", "main", "/ws", 50));
        assert!(!g.applies("agent:main:s2", "main", "/ws", 50));
        assert!(!g.applies("agent:main:s1", "main", "/other", 50));
        assert!(!g.applies("agent:main:s1", "main", "/ws", 100));
        let a = Grant {
            scope: GrantScope::Agent,
            owner: "main".into(),
            ..g
        };
        assert!(a.applies("agent:main:s9", "main", "/ws", 50));
        assert!(!a.applies("agent:other:s9", "other", "/ws", 50));
        assert!(!a.applies("x", "", "/ws", 50));
    }

    #[test]
    fn prune_drops_expired_and_keeps_the_newest() {
        let mk = |i: i64| Grant {
            id: format!("g{i}"),
            patterns: vec![],
            scope: GrantScope::Session,
            owner: "s".into(),
            workspace: "/ws".into(),
            created_ms: i,
            expires_ms: i + 10,
            example: String::new(),
        };
        let mut f = GrantsFile {
            v: GRANTS_FILE_VERSION,
            grants: (0..(MAX_GRANTS as i64 + 20)).map(mk).collect(),
        };
        f.prune(5);
        assert_eq!(f.grants.len(), MAX_GRANTS);
        assert!(f.grants.iter().all(|g| g.expires_ms > 5));
        assert_eq!(f.grants.last().map(|g| g.id.as_str()), Some("g519"));
    }
}
