//! Command tables of phase 4, grouped by why they matter. Data only; the logic that reads them
//! lives in `semantic`, `deny` and `allow`.

/// Shells: reading a script from stdin, `-c STRING`, or a script file (P4-R28).
pub const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "yash", "posh",
];

/// Interpreters that read a program from stdin when given no script operand (§6.2
/// pipe_to_shell) or run inline code with an eval-like flag.
pub const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "php",
    "lua",
    "luajit",
    "deno",
    "bun",
    "tclsh",
    "wish",
    "r",
    "rscript",
    "osascript",
    "pwsh",
    "powershell",
    "irb",
    "jshell",
    "groovy",
    "scala",
    "guile",
    "racket",
    "sbcl",
    "julia",
];

/// Read-only commands allowed when their profile is satisfied (§6.5 first row).
pub const READ_ONLY: &[&str] = &[
    "cat",
    "tac",
    "nl",
    "head",
    "tail",
    "wc",
    "cut",
    "paste",
    "rev",
    "fold",
    "fmt",
    "column",
    "expand",
    "unexpand",
    "strings",
    "od",
    "hexdump",
    "hd",
    "cmp",
    "comm",
    "diff",
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "sum",
    "stat",
    "file",
    "du",
    "df",
    "ls",
    "dir",
    "tree",
    "pwd",
    "whoami",
    "id",
    "groups",
    "uname",
    "hostname",
    "date",
    "uptime",
    "free",
    "nproc",
    "arch",
    "lscpu",
    "lsblk",
    "ps",
    "pgrep",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "which",
    "type",
    "whereis",
    "seq",
    "sleep",
    "echo",
    "printf",
    "test",
    "[",
    "true",
    "false",
    "tr",
    "jq",
    "yq",
    "sort",
    "uniq",
    "base64",
    "xxd",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "find",
    "sed",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "git",
    "systemctl",
    "journalctl",
    "docker",
    "podman",
    "kubectl",
    "crontab",
];

/// Statements that only change shell state (§6.5).
pub const STATE_ONLY: &[&str] = &[
    "cd", "pushd", "popd", ":", "true", "false", "export", "readonly", "local", "declare",
    "typeset", "read", "unset", "shift", "break", "continue", "return", "exit", "wait", "set",
    "shopt",
];

/// Commands whose purpose is fetching or sending over the network (`exec.ask.network`).
pub const NETWORK: &[&str] = &[
    "curl", "wget", "fetch", "aria2c", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp",
    "rsync", "ftp", "telnet", "http", "https", "xh",
];

/// Commands that destroy data, denied when hidden inside a substitution (§6.2 hidden).
pub const DESTRUCTIVE: &[&str] = &["rm", "rmdir", "unlink", "shred", "truncate", "dd"];

/// Programs that run another command or a script string (P4-R28 wrappers, eval-likes).
pub const WRAPPERS: &[&str] = &[
    "env",
    "timeout",
    "nice",
    "nohup",
    "setsid",
    "unbuffer",
    "caffeinate",
    "stdbuf",
    "time",
    "ionice",
    "chrt",
    "taskset",
    "command",
    "builtin",
    "exec",
    "xargs",
    "sudo",
    "doas",
    "run0",
    "pkexec",
    "su",
    "runuser",
    "chroot",
    "flock",
    "strace",
    "ltrace",
    "watch",
    "eval",
    "source",
    ".",
    "trap",
    "busybox",
    "toybox",
];

/// Programs the §6.2 deny rules and checks 15 and 21–23 look at. One list serves the
/// hidden-command test of check 9, the deny scan of unparsed words (P4-R29) and the
/// `readOnlyExtra` validation, so the three can never disagree.
pub const DENY_RULE_COMMANDS: &[&str] = &[
    // destruction and devices
    "rm",
    "rmdir",
    "unlink",
    "shred",
    "truncate",
    "dd",
    "mke2fs",
    "mkswap",
    "wipefs",
    "blkdiscard",
    "sgdisk",
    "find",
    // permissions, power, processes
    "chmod",
    "chown",
    "chgrp",
    "setcap",
    "shutdown",
    "reboot",
    "halt",
    "poweroff",
    "init",
    "systemctl",
    "kill",
    "killall5",
    // scheduling and persistence
    "crontab",
    "at",
    "batch",
    "systemd-run",
    "launchctl",
    "ln",
    "cp",
    "mv",
    "tee",
    "install",
    // containers
    "docker",
    "podman",
    "nerdctl",
    "nsenter",
    // network, transfer and program-executing options
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "rsync",
    "scp",
    "ssh",
    "sftp",
    "git",
    "tar",
    "zip",
    "unzip",
    "7z",
    "sort",
    "man",
    "vim",
    "vi",
    "nvim",
    "ex",
    "apt",
    "apt-get",
    "gdb",
    "rpm",
    // decoders and secrets
    "mkfifo",
    "base64",
    "xxd",
    "openssl",
    "uudecode",
    "security",
    "printenv",
];

/// Whether a command name (basename) is one the deny rules look at.
pub fn is_deny_rule_command(name: &str) -> bool {
    has(DENY_RULE_COMMANDS, name) || name.starts_with("mkfs")
}

/// Eval-like builtins (check 16).
pub const EVAL_LIKE: &[&str] = &[
    "eval",
    "source",
    ".",
    "trap",
    "enable",
    "hash",
    "bind",
    "complete",
    "compgen",
    "alias",
    "fc",
    "mapfile",
    "readarray",
];

/// Directories whose recursive removal (or of all their entries) is denied (§6.2 rm_root).
pub const PROTECTED_DIRS: &[&str] = &[
    "/",
    "/home",
    "/Users",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/root",
    "/tmp",
    "/private/tmp",
    "/private/var",
];

/// Top-level system directories for recursive chmod/chown/chgrp (§6.2 perms_root).
pub const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/home",
    "/Users",
    "/root",
];

/// Block device prefixes (§6.2 disk).
pub const BLOCK_DEVICE_PREFIXES: &[&str] = &[
    "/dev/sd",
    "/dev/nvme",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/mmcblk",
    "/dev/disk",
    "/dev/rdisk",
    "/dev/mapper/",
    "/dev/loop",
    "/dev/md",
];

/// Redirection targets that are never a file write (check 7).
pub const HARMLESS_TARGETS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"];

/// Trusted directories for absolute command paths (P4 §2).
pub const TRUSTED_BIN_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
    "/opt/homebrew/bin",
];

/// `git` subcommands that only read (§6.5).
pub const GIT_READ_ONLY: &[&str] = &[
    "status",
    "log",
    "show",
    "diff",
    "blame",
    "annotate",
    "grep",
    "describe",
    "shortlog",
    "rev-parse",
    "rev-list",
    "ls-files",
    "ls-tree",
    "cat-file",
    "merge-base",
    "name-rev",
    "cherry",
    "count-objects",
    "for-each-ref",
    "show-ref",
    "whatchanged",
    "var",
];

/// Whether `name` is in `list`.
pub fn has(list: &[&str], name: &str) -> bool {
    // Length first: nearly every entry differs there, and in the size-optimised wasm build
    // each full string comparison is a call.
    list.iter()
        .any(|s| s.len() == name.len() && s.as_bytes() == name.as_bytes())
}

/// Interpreter family of a command name (`python3.12` → `python`), if it is one.
pub fn interpreter_family(name: &str) -> Option<&'static str> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    INTERPRETERS
        .iter()
        .find(|i| (i.len() == base.len() && **i == base) || (i.len() == name.len() && **i == name))
        .copied()
}

/// Whether a command name is a shell (incl. `busybox sh` handled by the caller).
pub fn is_shell(name: &str) -> bool {
    has(SHELLS, name)
}
