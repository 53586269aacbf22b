//! Whether the git repository a command runs in has hooks that git would run (issue 16 item
//! 5): `git commit`, `merge`, `checkout`, `rebase`, `am`… run `.git/hooks/*` and any
//! `core.hooksPath` programs, so they are workspace writes only when no hook can run.
//!
//! The answer is read through the Host and fails closed: anything unreadable, an `include` we
//! would have to follow, a `.git` file we cannot resolve, or too deep a walk is
//! [`RepoHooks::Unknown`], which the policy treats as "has hooks".

use super::RepoHooks;
use crate::host::{join_path, parent_dir, EntryKind, Host, HostError};

/// Most parent directories walked up from the cwd looking for `.git`.
const MAX_WALK: usize = 64;
/// Largest git config file read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// Most entries of `.git/hooks` listed.
const MAX_HOOK_ENTRIES: u32 = 1_000;

/// Whether a git config text can make git run hooks from elsewhere or pull in other config:
/// `hooksPath` in any section (git keys are case-insensitive), or an `include`/`includeIf`
/// section (we do not follow it, so it might set one).
pub fn config_may_run_hooks(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("hookspath") || lower.contains("[include")
}

/// Whether a `.git/hooks` listing holds a hook: any entry that is not a `*.sample` file.
pub fn listing_has_hook(names: &[String]) -> bool {
    names.iter().any(|n| !n.ends_with(".sample"))
}

/// The `gitdir:` target of a `.git` file (worktrees, submodules), joined to `dir`.
fn gitdir_of_file(text: &str, dir: &str) -> Option<String> {
    let line = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    if line.is_empty() {
        return None;
    }
    Some(super::paths::normalize(&if line.starts_with('/') {
        line.to_string()
    } else {
        join_path(dir, line)
    }))
}

fn read_text(host: &dyn Host, path: &str) -> Result<Option<String>, ()> {
    match host.fs_read(path, MAX_CONFIG_BYTES) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(HostError::NotFound) => Ok(None),
        Err(_) => Err(()),
    }
}

/// Looks up the hooks of the repository around `cwd`. `home` locates the user's global git
/// config (`~/.gitconfig`, `~/.config/git/config`).
pub fn lookup(host: &dyn Host, cwd: &str, home: &str) -> RepoHooks {
    if !cwd.starts_with('/') {
        return RepoHooks::Unknown;
    }
    // Global configs apply to every repository, and even outside one.
    let mut globals = vec!["/etc/gitconfig".to_string()];
    if !home.is_empty() {
        globals.push(join_path(home, ".gitconfig"));
        globals.push(join_path(home, ".config/git/config"));
    }
    for g in &globals {
        match read_text(host, g) {
            Ok(Some(t)) if config_may_run_hooks(&t) => return RepoHooks::Active,
            Ok(_) => {}
            Err(()) => return RepoHooks::Unknown,
        }
    }
    let mut dir = cwd.trim_end_matches('/').to_string();
    if dir.is_empty() {
        dir = "/".into();
    }
    for _ in 0..MAX_WALK {
        let dot_git = join_path(&dir, ".git");
        match host.fs_stat(&dot_git) {
            Ok(st) => {
                let git_dir = match st.kind {
                    EntryKind::Dir => dot_git,
                    EntryKind::File => match read_text(host, &dot_git) {
                        Ok(Some(t)) => match gitdir_of_file(&t, &dir) {
                            Some(g) => g,
                            None => return RepoHooks::Unknown,
                        },
                        _ => return RepoHooks::Unknown,
                    },
                    _ => return RepoHooks::Unknown,
                };
                return repo(host, &git_dir);
            }
            Err(HostError::NotFound) => {}
            Err(_) => return RepoHooks::Unknown,
        }
        if dir == "/" {
            // No repository: git commands that need one fail before running any hook.
            return RepoHooks::None;
        }
        dir = match parent_dir(&dir) {
            "" => "/".to_string(),
            p => p.to_string(),
        };
    }
    RepoHooks::Unknown
}

fn repo(host: &dyn Host, git_dir: &str) -> RepoHooks {
    // A linked worktree keeps its config and hooks in the common dir.
    let common = match read_text(host, &join_path(git_dir, "commondir")) {
        Ok(Some(t)) => {
            let c = t.trim();
            super::paths::normalize(&if c.starts_with('/') {
                c.to_string()
            } else {
                join_path(git_dir, c)
            })
        }
        Ok(None) => git_dir.to_string(),
        Err(()) => return RepoHooks::Unknown,
    };
    for dir in [git_dir, common.as_str()] {
        match read_text(host, &join_path(dir, "config")) {
            Ok(Some(t)) if config_may_run_hooks(&t) => return RepoHooks::Active,
            Ok(_) => {}
            Err(()) => return RepoHooks::Unknown,
        }
        match read_text(host, &join_path(dir, "config.worktree")) {
            Ok(Some(t)) if config_may_run_hooks(&t) => return RepoHooks::Active,
            Ok(_) => {}
            Err(()) => return RepoHooks::Unknown,
        }
        match host.fs_list(&join_path(dir, "hooks"), MAX_HOOK_ENTRIES) {
            Ok(l) if l.truncated => return RepoHooks::Unknown,
            Ok(l) => {
                let names: Vec<String> = l.entries.into_iter().map(|e| e.name).collect();
                if listing_has_hook(&names) {
                    return RepoHooks::Active;
                }
            }
            Err(HostError::NotFound) => {}
            Err(_) => return RepoHooks::Unknown,
        }
    }
    RepoHooks::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{Fault, HostDirs, MemoryHost};

    fn host() -> MemoryHost {
        MemoryHost::new(HostDirs::default(), 0)
    }

    fn file(h: &MemoryHost, p: &str, text: &str) {
        h.fs_write_atomic(p, text.as_bytes(), 0o644).unwrap();
    }

    fn repo_with(h: &MemoryHost, hooks: &[&str], config: &str) {
        file(h, "/ws/.git/config", config);
        file(h, "/ws/.git/HEAD", "ref: refs/heads/main\n");
        for n in hooks {
            file(h, &format!("/ws/.git/hooks/{n}"), "#!/bin/sh\n");
        }
    }

    #[test]
    fn sample_hooks_only_is_none() {
        let h = host();
        repo_with(
            &h,
            &["pre-commit.sample", "commit-msg.sample"],
            "[core]\n\tbare = false\n",
        );
        assert_eq!(lookup(&h, "/ws", "/home/u"), RepoHooks::None);
        assert_eq!(lookup(&h, "/ws/src/deep", "/home/u"), RepoHooks::None);
    }

    #[test]
    fn a_real_hook_or_hooks_path_is_active() {
        let h = host();
        repo_with(&h, &["pre-commit.sample", "pre-commit"], "");
        assert_eq!(lookup(&h, "/ws/src", "/home/u"), RepoHooks::Active);
        let h = host();
        repo_with(&h, &[], "[core]\n\tHooksPath = .githooks\n");
        assert_eq!(lookup(&h, "/ws", "/home/u"), RepoHooks::Active);
        let h = host();
        repo_with(&h, &[], "[include]\n\tpath = ../x.cfg\n");
        assert_eq!(lookup(&h, "/ws", "/home/u"), RepoHooks::Active);
        let h = host();
        repo_with(&h, &[], "");
        file(&h, "/home/u/.gitconfig", "[core]\nhooksPath=/x\n");
        assert_eq!(lookup(&h, "/ws", "/home/u"), RepoHooks::Active);
    }

    #[test]
    fn worktree_file_is_followed_to_the_common_dir() {
        let h = host();
        file(&h, "/main/.git/config", "");
        file(&h, "/main/.git/hooks/post-checkout", "#!/bin/sh\n");
        file(&h, "/main/.git/worktrees/wt/commondir", "../..\n");
        file(&h, "/main/.git/worktrees/wt/HEAD", "x\n");
        file(&h, "/wt/.git", "gitdir: /main/.git/worktrees/wt\n");
        assert_eq!(lookup(&h, "/wt", ""), RepoHooks::Active);
        let h = host();
        file(&h, "/wt/.git", "not a gitdir line\n");
        assert_eq!(lookup(&h, "/wt", ""), RepoHooks::Unknown);
    }

    #[test]
    fn unreadable_or_relative_is_unknown_and_no_repo_is_none() {
        let h = host();
        assert_eq!(lookup(&h, "/nowhere/at/all", ""), RepoHooks::None);
        assert_eq!(lookup(&h, "relative/dir", ""), RepoHooks::Unknown);
        let h = host();
        repo_with(&h, &[], "");
        h.inject(Fault::FailReads("config".into()));
        assert_eq!(lookup(&h, "/ws", ""), RepoHooks::Unknown);
    }
}
