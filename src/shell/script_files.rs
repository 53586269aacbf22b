//! Script files a command writes itself and then runs (issue 16: agents write a fix script
//! with `cat > fix.sh << 'EOF' … EOF` and run it with `bash fix.sh` on the next line).
//!
//! The text of such a script is known: it is the literal body of a quoted heredoc, written
//! earlier in the same command. The walk records it and, when the file is run, walks the
//! text as a nested script instead of reporting an unknown script file. Everything here
//! decides on the fail-closed side: a recorded text is forgotten as soon as anything might
//! have changed the file in between, and a script that might rewrite itself while bash reads
//! it is not treated as known.

use super::ast::{RedirOp, SimpleCommand};
use super::semantic::{Arg, ExecCommand};

/// A script file recorded by the walk: its resolved path and the text written to it.
#[derive(Debug, Clone)]
pub struct Written {
    /// Absolute, normalised path.
    pub path: String,
    /// The heredoc body written to it.
    pub text: String,
}

/// Commands that may run between the write and the run without changing any file's
/// content (their write redirections are looked at separately).
const KEEPS_FILES: &[&str] = &[
    "chmod", "ls", "cat", "echo", "printf", "head", "tail", "wc", "grep", "file", "stat", "true",
    "test", "[", "cd", "pwd", "which", "sleep", ":",
];

/// Whether `cmd` (with its parsed form `s`) is `cat > FILE << 'DELIM' … DELIM`: no
/// arguments, one truncating write to a literal file, one heredoc with a quoted delimiter and
/// nothing else. Returns the literal target and the body.
pub fn heredoc_write(cmd: &ExecCommand, s: &SimpleCommand) -> Option<(String, String)> {
    if cmd.name() != Some("cat") || cmd.argv.len() != 1 || !cmd.assignments.is_empty() {
        return None;
    }
    let [a, b] = cmd.redirs.as_slice() else {
        return None;
    };
    let (write, doc) = if a.op.writes() { (a, b) } else { (b, a) };
    if !matches!(write.op, RedirOp::Write | RedirOp::Clobber) || !write.is_file {
        return None;
    }
    if !matches!(doc.op, RedirOp::HereDoc | RedirOp::HereDocStrip) || !doc.literal_heredoc {
        return None;
    }
    let target = write.target.clone().filter(|t| plain_path(t))?;
    let h = s.redirections.iter().find_map(|r| r.heredoc.as_ref())?;
    if !h.quoted {
        return None;
    }
    let body = h
        .body
        .iter()
        .map(|p| match p {
            super::ast::WordPart::Literal(l) => Some(l.text.as_str()),
            super::ast::WordPart::Glob(g) => Some(g.text.as_str()),
            _ => None,
        })
        .collect::<Option<String>>()?;
    Some((target, body))
}

/// A literal path without glob or expansion characters.
fn plain_path(t: &str) -> bool {
    !t.is_empty() && !t.contains(['*', '?', '[', '$', '`', '~', '{', '\\'])
}

/// The script file `cmd` runs as a bash script: `bash|sh|dash [-e -x -u -l …] FILE [ARGS]`,
/// `source|. FILE [ARGS]`, or `./FILE` / `/path/FILE` (run directly; the caller checks the
/// shebang).
pub fn run_target(cmd: &ExecCommand) -> Option<(String, bool)> {
    let name = cmd.name()?;
    if !cmd.assignments.is_empty() || !cmd.wrappers.is_empty() {
        return None;
    }
    if name.contains('/') {
        return plain_path(name).then(|| (name.to_string(), true));
    }
    // `source FILE` / `. FILE` runs the file in the current shell: its text is walked the
    // same way (a script written by a heredoc earlier in the line is not unknown code).
    if matches!(name, "source" | ".") {
        return cmd
            .args()
            .first()
            .and_then(literal)
            .filter(|f| plain_path(f) && !f.starts_with(['-', '+']))
            .map(|f| (f.to_string(), false));
    }
    if !matches!(name, "bash" | "sh" | "dash") {
        return None;
    }
    let mut args = cmd.args().iter();
    for a in args.by_ref() {
        let t = literal(a)?;
        if t == "--" {
            return args
                .next()
                .and_then(literal)
                .filter(|f| plain_path(f) && !f.starts_with('-'))
                .map(|f| (f.to_string(), false));
        }
        if let Some(flags) = t.strip_prefix('-') {
            // Only the harmless letters (errexit, xtrace, nounset, login); `-c`, `-s`, `-i`,
            // `-o …` and `--rcfile` change what runs.
            if flags.is_empty() || !flags.chars().all(|c| "exul".contains(c)) {
                return None;
            }
            continue;
        }
        return plain_path(t).then(|| (t.to_string(), false));
    }
    None
}

fn literal(a: &Arg) -> Option<&str> {
    a.value.as_deref().filter(|_| !a.param && !a.substitution)
}

/// Whether a directly executed script text is run by a POSIX shell: a `bash`, `sh` or `dash`
/// shebang, or none (execve fails with ENOEXEC and the calling shell runs it itself).
pub fn shell_shebang(text: &str) -> bool {
    let Some(first) = text.lines().next() else {
        return true;
    };
    let Some(interp) = first.strip_prefix("#!") else {
        return true;
    };
    let mut words = interp.split_whitespace();
    let prog = match words.next() {
        Some("/usr/bin/env") | Some("/bin/env") => words.next(),
        other => other,
    };
    let base = prog.map(super::paths::basename);
    matches!(base, Some("bash" | "sh" | "dash")) && words.next().is_none()
}

/// Whether `cmd`, run after a script was written, leaves every file's content alone apart
/// from its own write redirections.
pub fn keeps_files(cmd: &ExecCommand) -> bool {
    cmd.name()
        .is_some_and(|n| crate::shell::tables::has(KEEPS_FILES, n))
}

/// Whether a command inside the script at `path` might rewrite that file while bash is
/// still reading it (bash reads a script in pieces, so an in-place rewrite changes the rest
/// of what runs): it names the file, writes somewhere not literal, or copies or extracts
/// whole trees.
pub fn may_rewrite(cmd: &ExecCommand, path: &str) -> bool {
    let base = super::paths::basename(path);
    let names = |t: &str| t.contains(base) || t.contains("$0") || t.contains("BASH_SOURCE");
    if cmd.argv.iter().any(|a| match literal(a) {
        Some(t) => names(t) || a.glob || a.brace,
        None => true,
    }) {
        return true;
    }
    if cmd.redirs.iter().any(|r| {
        r.op.writes()
            && r.is_file
            && r.target
                .as_deref()
                .is_none_or(|t| names(t) || !plain_path(t))
    }) {
        return true;
    }
    let Some(name) = cmd.base_name() else {
        return true;
    };
    let tree = matches!(
        name,
        "tar"
            | "bsdtar"
            | "unzip"
            | "7z"
            | "7za"
            | "rsync"
            | "cpio"
            | "pax"
            | "dd"
            | "git"
            | "find"
            | "xargs"
            | "patch"
            | "truncate"
            | "install"
    );
    let recursive_cp = name == "cp"
        && cmd.args().iter().any(|a| {
            let t = a.text();
            t == "--recursive"
                || t == "--archive"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains(['r', 'R', 'a']))
        });
    tree || recursive_cp
}
