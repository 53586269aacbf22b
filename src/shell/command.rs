//! What one executed command is, as the semantic model computes it and the wrapper unwrapping,
//! the checks and the policy read it: its argv words ([`Arg`]), where it runs ([`Context`]),
//! its redirections ([`Redir`]). Both `semantic` (which builds them) and `wrappers` (which
//! looks through them) use this module, so neither imports the other for its types.

use super::ast::{RedirOp, Span};
use super::EvalContext;

/// One word of an argv after static evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The value when known (globs kept as text, see `glob`).
    pub value: Option<String>,
    /// Source span (of the carrier word for nested scripts).
    pub span: Span,
    /// One plain unquoted, unescaped literal.
    pub plain: bool,
    /// Contains unquoted glob characters.
    pub glob: bool,
    /// Contains a command or process substitution.
    pub substitution: bool,
    /// Contains a parameter expansion.
    pub param: bool,
    /// Came from a brace expansion.
    pub brace: bool,
}

impl Arg {
    /// The known value, or `""` when unknown.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }
    /// Whether the value is known and equals `s`.
    pub fn is(&self, s: &str) -> bool {
        // Length and first byte before the full comparison: nearly every call is a miss,
        // and in the size-optimised wasm build the comparison is a `memcmp` call (P4-R49).
        self.value.as_deref().is_some_and(|v| {
            v.len() == s.len() && v.as_bytes().first() == s.as_bytes().first() && v == s
        })
    }
}

/// Texts a patch-applying command may read that the input itself holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownInputs {
    /// What its standard input is.
    pub stdin: Stdin,
    /// Files an earlier `cat > FILE << 'EOF'` of the same input wrote and nothing touched
    /// since: `(absolute path, text)`.
    pub files: Vec<(String, String)>,
    /// Paths earlier commands of the same input may have written, with whether every such
    /// write leaves a regular file there (a write redirection, `sed -i`, a plain `cp`: a
    /// missing path becomes a file, a file stays one); meaningful when
    /// [`ExecCommand::fresh_fs`] holds.
    pub touched: Vec<(String, bool)>,
}

/// The standard input of a command, as far as the walk can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdin {
    /// A pipe, the exec tool's own stdin, a duplicated descriptor, or a text with expansions.
    #[default]
    Unknown,
    /// The literal body of a heredoc or here-string.
    Text(String),
    /// `< FILE`, with the file's literal name.
    File(String),
}

/// Where an executed command sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A top-level command (possibly inside compounds).
    Top,
    /// Stage `index` of a pipeline of `of` commands.
    Stage {
        /// 0-based stage.
        index: usize,
        /// Number of stages.
        of: usize,
    },
    /// Inside `$(…)` or backticks.
    Substitution,
    /// Inside `<(…)`, `>(…)` or `=(…)`.
    ProcessSubstitution,
    /// A heredoc or here-string fed to a shell.
    StdinScript,
    /// The literal script string of `sh -c`, `eval`, `trap`, `su -c`, …
    StringScript,
}

/// A redirection with its target evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redir {
    /// Operator.
    pub op: RedirOp,
    /// Target value when known (`None` for fd duplications and unknown targets).
    pub target: Option<String>,
    /// Whether the target is a file word (not `>&2`, not `>&-`).
    pub is_file: bool,
    /// Span of the redirection.
    pub span: Span,
    /// Heredoc with a quoted delimiter (literal body).
    pub literal_heredoc: bool,
}

/// One command that can run (P4-R27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCommand {
    /// argv after brace expansion; `argv[0]` is the command name.
    pub argv: Vec<Arg>,
    /// Prefix assignments `(name, known value)`.
    pub assignments: Vec<(String, Option<String>, Span)>,
    /// Redirections of the command.
    pub redirs: Vec<Redir>,
    /// Where it runs.
    pub context: Context,
    /// Somewhere inside a command or process substitution.
    pub in_substitution: bool,
    /// Wrappers it was carried by, outermost first (`sudo`, `env`, `find -exec`, …).
    pub wrappers: Vec<String>,
    /// Span in the original input.
    pub span: Span,
    /// A `cd`/`pushd` ran earlier in the same script.
    pub after_cd: bool,
    /// A virtual environment of the workspace was activated earlier in the same script
    /// (`source .venv/bin/activate && pip install -r requirements.txt`): `pip` and `python`
    /// are that environment's.
    pub venv_active: bool,
    /// The directory the command runs in, as far as the walk can tell (issue 16 item 5):
    /// relative paths resolve against it.
    pub cwd: Cwd,
    /// Every directory the command may run in lies inside the workspace, so a `cd DIR`
    /// before it did not leave the workspace (item 7: `cd DIR && <read-only>`).
    pub cwd_in_workspace: bool,
    /// Followed by `&`.
    pub background: bool,
    /// Reads its stdin from a pipe (stage after the first).
    pub piped_stdin: bool,
    /// Writes its stdout into a pipe (stage before the last).
    pub piped_stdout: bool,
    /// Its stdin is a heredoc or here-string.
    pub stdin_heredoc: bool,
    /// It runs a script file whose text the same command wrote from a quoted heredoc; that
    /// text was walked in its place (see [`super::script_files`]).
    pub known_script: bool,
    /// Every file an earlier command of the same input may have changed is known (listed in
    /// [`KnownInputs::touched`]), and this one runs once, at top level, outside a pipeline:
    /// what the Host read before the evaluation is what this command finds at any other
    /// path (issue 16 item 5, patch files and copy sources).
    pub fresh_fs: bool,
    /// Texts this command may read that the input itself holds, for `patch` and `git`
    /// only (issue 16 item 5): `None` otherwise.
    pub inputs: Option<Box<KnownInputs>>,
    /// Other argvs the command may have, one per combination of the possible values of
    /// tracked variables (P4-R25); deny rules check each of them.
    pub variants: Vec<Vec<Arg>>,
}

impl ExecCommand {
    /// The command name as written, when known.
    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    pub fn name(&self) -> Option<&str> {
        // Plain matches: the size-optimised wasm build calls `Option::map`/`and_then`
        // closures out of line.
        match self.argv.first() {
            Some(Arg { value: Some(v), .. }) => Some(v.as_str()),
            _ => None,
        }
    }

    /// The basename of the command name (`/usr/bin/rm` → `rm`).
    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    pub fn base_name(&self) -> Option<&str> {
        match self.name() {
            Some(n) => Some(crate::shell::paths::basename(n)),
            None => None,
        }
    }

    /// Arguments after the name.
    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    pub fn args(&self) -> &[Arg] {
        self.argv.get(1..).unwrap_or(&[])
    }

    /// The argv as one line for messages (`…` for unknown words), cut at `max_chars`.
    pub fn excerpt(&self, max_chars: usize) -> String {
        fn word(a: &Arg) -> &str {
            a.value.as_deref().unwrap_or("…")
        }
        let bytes: usize = self.argv.iter().map(|a| word(a).len() + 1).sum();
        if bytes <= max_chars {
            // Short enough in bytes, so short enough in characters: no cut to find.
            let mut out = String::with_capacity(bytes);
            for (i, a) in self.argv.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(word(a));
            }
            return out;
        }
        let words = self.argv.iter().enumerate().flat_map(|(i, a)| {
            let sep = (i > 0).then_some(' ');
            sep.into_iter()
                .chain(a.value.as_deref().unwrap_or("…").chars())
        });
        cut_chars(words, max_chars)
    }
}

/// The characters as a string when there are at most `max_chars` of them; otherwise the
/// first `max_chars - 3` and `…`. One pass that stops at the cut: messages quote commands
/// that can be megabytes long.
pub(crate) fn cut_chars(chars: impl Iterator<Item = char>, max_chars: usize) -> String {
    let keep = max_chars.saturating_sub(3);
    let mut out = String::new();
    let mut cut = 0;
    for (n, c) in chars.enumerate() {
        if n == keep {
            cut = out.len();
        }
        if n == max_chars {
            out.truncate(cut);
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

/// Where a command runs, after the `cd`s before it (issue 16 item 5).
///
/// A `cd` only moves the tracked directory where bash surely runs it in this shell, in
/// straight-line code; a `cd` that may fail (`cd x; cmd`) keeps the old directory possible;
/// a `cd` inside a branch, loop, function, pipeline, substitution or background job, or to a
/// directory that is not a literal, makes the directory unknown, and relative paths then
/// count as outside the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cwd {
    /// No `cd` so far: the context's cwd.
    #[default]
    Context,
    /// Every directory the command may run in (absolute, normalised).
    Dirs(std::sync::Arc<[String]>),
    /// Not known.
    Unknown,
}

impl Cwd {
    /// The possible directories, with the context's cwd for [`Cwd::Context`]; `None` when
    /// unknown.
    pub fn dirs(&self, ctx: &EvalContext) -> Option<Vec<String>> {
        match self {
            Cwd::Context => Some(vec![context_cwd(ctx)]),
            Cwd::Dirs(d) => Some(d.to_vec()),
            Cwd::Unknown => None,
        }
    }
}

/// The context's cwd, normalised (`/` when empty, as `paths::resolve` reads it).
pub(crate) fn context_cwd(ctx: &EvalContext) -> String {
    context_cwd_ref(ctx).into_owned()
}

/// [`context_cwd`], borrowed when the context's cwd is already normal (the usual case: the
/// Host passes an absolute, clean path). This runs for every evaluation (P4-R49).
pub(crate) fn context_cwd_ref(ctx: &EvalContext) -> std::borrow::Cow<'_, str> {
    if already_normal(&ctx.cwd) {
        std::borrow::Cow::Borrowed(ctx.cwd.as_str())
    } else if ctx.cwd.is_empty() {
        std::borrow::Cow::Borrowed("/")
    } else {
        std::borrow::Cow::Owned(super::paths::normalize(&ctx.cwd))
    }
}

/// Whether `paths::normalize` returns `p` unchanged: `/`, or `/` followed by names joined
/// with `/` (no empty, `.` or `..` segment, no trailing `/`).
fn already_normal(p: &str) -> bool {
    let b = p.as_bytes();
    if b == b"/" {
        return true;
    }
    if b.first() != Some(&b'/') {
        return false;
    }
    // `i` is at a `/`; the segment after it runs to the next `/` or the end.
    let mut i = 0;
    while i < b.len() {
        let mut end = i + 1;
        while end < b.len() && !matches!(b.get(end), Some(b'/')) {
            end += 1;
        }
        if matches!(b.get(i + 1..end), None | Some([] | [b'.'] | [b'.', b'.'])) {
            return false;
        }
        i = end;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed fast path answers exactly what normalising answers.
    #[test]
    fn context_cwd_ref_matches_normalize() {
        for cwd in [
            "",
            "/",
            "//",
            "/a",
            "/a/",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/a/b/..",
            "/a/b/.",
            "/.",
            "/..",
            "/home/u/ws",
            "/home/u/ws.d/.x",
            "/a/..b/c.",
            "rel/dir",
            "./x",
            "a",
            "/a/b c/ü",
            "/...",
            "/a/.../b",
        ] {
            let ctx = EvalContext {
                cwd: cwd.to_string(),
                ..Default::default()
            };
            let want = if cwd.is_empty() {
                "/".to_string()
            } else {
                crate::shell::paths::normalize(cwd)
            };
            assert_eq!(context_cwd_ref(&ctx), want.as_str(), "{cwd:?}");
            assert_eq!(already_normal(cwd), want == cwd, "{cwd:?}");
        }
    }
}
