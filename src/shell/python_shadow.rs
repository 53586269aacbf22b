//! Whether a `python -m TOOL` run could import a module from its working directory instead
//! of the standard library's (issue 16 items 5 and 7).
//!
//! `python -m` puts the working directory first on `sys.path`, so a workspace file
//! `argparse.py` or package `json/` replaces the standard module for `python -m json.tool`,
//! `python -m py_compile` and `python -m pip list`. The workspace tier lets an agent write
//! such a file without approval, so these tools are read-only (or a workspace write) only
//! when the Host found no such module in the directory (the lookup fails closed: anything it
//! cannot read is [`ModuleShadow::Unknown`]) and the same command line writes none.

use super::paths::normalize;
use super::semantic::{Cwd, ExecCommand, Model};
use super::{tables, EvalContext, ModuleShadow};
use crate::host::{join_path, EntryKind, Host};

/// Most entries of the working directory read.
const MAX_ENTRIES: u32 = 4_096;
/// Most entries of a standard-named package directory read (to find its `__init__`).
const MAX_PACKAGE_ENTRIES: u32 = 512;

/// Top-level modules the standard library ships (CPython 3.8–3.14 `sys.stdlib_module_names`,
/// union), plus `pip`, `sitecustomize` and `usercustomize`: a module of one of these names in
/// the working directory wins over the real one. Sorted for binary search.
const SHADOWABLE: &[&str] = &[
    "__future__",
    "_abc",
    "_aix_support",
    "_android_support",
    "_apple_support",
    "_ast",
    "_asyncio",
    "_bisect",
    "_blake2",
    "_bootsubprocess",
    "_bz2",
    "_codecs",
    "_codecs_cn",
    "_codecs_hk",
    "_codecs_iso2022",
    "_codecs_jp",
    "_codecs_kr",
    "_codecs_tw",
    "_collections",
    "_collections_abc",
    "_colorize",
    "_compat_pickle",
    "_compression",
    "_contextvars",
    "_crypt",
    "_csv",
    "_ctypes",
    "_curses",
    "_curses_panel",
    "_datetime",
    "_dbm",
    "_decimal",
    "_elementtree",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "_functools",
    "_gdbm",
    "_hashlib",
    "_heapq",
    "_hmac",
    "_imp",
    "_interpchannels",
    "_interpqueues",
    "_interpreters",
    "_io",
    "_ios_support",
    "_json",
    "_locale",
    "_lsprof",
    "_lzma",
    "_markupbase",
    "_md5",
    "_msi",
    "_multibytecodec",
    "_multiprocessing",
    "_opcode",
    "_opcode_metadata",
    "_operator",
    "_osx_support",
    "_overlapped",
    "_pickle",
    "_posixshmem",
    "_posixsubprocess",
    "_py_abc",
    "_pydatetime",
    "_pydecimal",
    "_pyio",
    "_pylong",
    "_pyrepl",
    "_queue",
    "_random",
    "_remote_debugging",
    "_scproxy",
    "_sha1",
    "_sha256",
    "_sha3",
    "_sha512",
    "_signal",
    "_sitebuiltins",
    "_socket",
    "_sqlite3",
    "_sre",
    "_ssl",
    "_stat",
    "_statistics",
    "_string",
    "_strptime",
    "_struct",
    "_suggestions",
    "_symtable",
    "_sysconfig",
    "_thread",
    "_threading_local",
    "_tkinter",
    "_tokenize",
    "_tracemalloc",
    "_typing",
    "_uuid",
    "_warnings",
    "_weakref",
    "_weakrefset",
    "_winapi",
    "_zoneinfo",
    "_zstd",
    "abc",
    "aifc",
    "annotationlib",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "compression",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "idlelib",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "ossaudiodev",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pip",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "sitecustomize",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "textwrap",
    "this",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "usercustomize",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

/// Suffixes the import system loads a module from (source, bytecode, extension modules;
/// `NAME.cpython-312-x86_64-linux-gnu.so` counts through its first dot).
const MODULE_SUFFIXES: &[&str] = &["py", "pyc", "pyw", "pyd", "so"];

/// Whether `name` is a standard (or pip) top-level module name.
pub fn is_shadowable(name: &str) -> bool {
    SHADOWABLE.binary_search(&name).is_ok()
}

/// The module a directory entry named `file` would provide as a file, when it is one the
/// import system loads.
fn module_of_file(file: &str) -> Option<&str> {
    let (stem, rest) = file.split_once('.')?;
    let suffix = rest.rsplit('.').next().unwrap_or(rest);
    MODULE_SUFFIXES
        .iter()
        .any(|s| suffix.eq_ignore_ascii_case(s))
        .then_some(stem)
}

/// Whether a path relative to the working directory (no leading `./`, normalised) would
/// create or replace a module that shadows a standard one: `argparse.py`, `json/…`.
pub fn relative_path_shadows(rel: &str) -> bool {
    let rel = rel.trim_start_matches("./");
    match rel.split_once('/') {
        Some((dir, _)) => is_shadowable(dir),
        None => module_of_file(rel).is_some_and(is_shadowable) || is_shadowable(rel),
    }
}

/// Looks up the directory a `python -m` run would start in.
pub fn lookup(host: &dyn Host, cwd: &str) -> ModuleShadow {
    if !cwd.starts_with('/') {
        return ModuleShadow::Unknown;
    }
    let listing = match host.fs_list(cwd, MAX_ENTRIES) {
        Ok(l) => l,
        // Nothing there to import (the command cannot run in it either).
        Err(crate::host::HostError::NotFound) => return ModuleShadow::None,
        Err(_) => return ModuleShadow::Unknown,
    };
    if listing.truncated {
        return ModuleShadow::Unknown;
    }
    for e in &listing.entries {
        let found = match e.kind {
            EntryKind::File => module_of_file(&e.name).is_some_and(is_shadowable),
            // A link may name a module file or a package: judged by name alone.
            EntryKind::Symlink => {
                module_of_file(&e.name).is_some_and(is_shadowable) || is_shadowable(&e.name)
            }
            EntryKind::Dir if is_shadowable(&e.name) => {
                match host.fs_list(&join_path(cwd, &e.name), MAX_PACKAGE_ENTRIES) {
                    // Without `__init__` a directory is at most a namespace portion, which
                    // never wins over the standard package found later on the path.
                    Ok(l) if !l.truncated => {
                        l.entries.iter().any(|p| p.name.starts_with("__init__."))
                    }
                    _ => return ModuleShadow::Unknown,
                }
            }
            _ => false,
        };
        if found {
            return ModuleShadow::Present;
        }
    }
    ModuleShadow::None
}

/// The modules and packages `python -m` finds first in `cwd` (its `sys.path[0]`): module
/// files and directories listed there, not links (which may lead out of the workspace).
/// `None` when the directory cannot be listed in full.
pub fn local_modules(host: &dyn Host, cwd: &str) -> Option<Vec<String>> {
    if !cwd.starts_with('/') {
        return None;
    }
    let listing = host.fs_list(cwd, MAX_ENTRIES).ok()?;
    if listing.truncated {
        return None;
    }
    let mut out: Vec<String> = listing
        .entries
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::File => module_of_file(&e.name).map(str::to_string),
            EntryKind::Dir => Some(e.name.clone()),
            _ => None,
        })
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .collect();
    crate::sorted::sort(&mut out);
    out.dedup();
    Some(out)
}

/// Whether `python -m MODULE` of `c` runs a module of the workspace: its top-level name is
/// one the Host listed in the directory the run starts in (which lies inside the
/// workspace), and that directory shadows no standard module.
pub fn runs_local_module(c: &ExecCommand, module: &str, ctx: &EvalContext) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    !top.is_empty()
        && !is_shadowable(top)
        && module_run_safe(c, ctx)
        && ctx
            .files
            .local_modules
            .as_deref()
            .is_some_and(|m| m.iter().any(|n| n == top))
}

/// The context's working directory, normalised (`/` when empty).
fn context_cwd(ctx: &EvalContext) -> String {
    crate::shell::command::context_cwd(ctx)
}

/// Whether `c` is a Python interpreter that may run a module (`-m`, also inside a cluster
/// such as `-Bm`): the form whose working directory comes first on `sys.path`.
pub fn is_python_module_run(c: &ExecCommand) -> bool {
    c.name().is_some_and(|n| {
        tables::interpreter_family(n.rsplit('/').next().unwrap_or(n)) == Some("python")
    }) && c.args().iter().any(|a| {
        let t = a.text();
        t.starts_with('-') && !t.starts_with("--") && t.contains('m')
    })
}

/// Whether a `python -m` run of `c` imports only what the Host vouched for: it runs in the
/// directory the Host looked at (no `cd` elsewhere) and that directory holds no module named
/// like a standard one.
pub fn module_run_safe(c: &ExecCommand, ctx: &EvalContext) -> bool {
    ctx.module_shadow == ModuleShadow::None
        && match &c.cwd {
            Cwd::Context => true,
            Cwd::Dirs(d) => d.len() == 1 && d.first().is_some_and(|x| *x == context_cwd(ctx)),
            Cwd::Unknown => false,
        }
}

/// Whether the command line runs `python -m` and also names, as an argument or redirection
/// target, a path in the working directory that would shadow a standard module (the Host
/// looked before the line ran, so a module the line itself writes is not in its answer).
pub fn line_may_create_shadow(model: &Model, ctx: &EvalContext) -> bool {
    if !model.commands.iter().any(is_python_module_run) {
        return false;
    }
    let base = context_cwd(ctx);
    // A module run's own words (its module name, its input and output files) are not
    // imported by it: its output is written after its imports.
    model
        .commands
        .iter()
        .filter(|c| !is_python_module_run(c))
        .any(|c| {
            let words = c.argv.iter().skip(1).map(|a| a.value.as_deref()).chain(
                c.redirs
                    .iter()
                    .filter(|r| r.is_file)
                    .map(|r| r.target.as_deref()),
            );
            let dirs = c.cwd.dirs(ctx);
            words
                .flatten()
                .any(|w| word_shadows(w, dirs.as_deref(), &base))
        })
}

/// Whether the path word `w`, resolved in any of `dirs` (unknown: every relative word
/// counts), lands on a shadowing name directly under `base`.
fn word_shadows(w: &str, dirs: Option<&[String]>, base: &str) -> bool {
    let absolute: Vec<String> = if w.starts_with('/') {
        vec![normalize(w)]
    } else {
        match dirs {
            Some(ds) => ds.iter().map(|d| normalize(&join_path(d, w))).collect(),
            None => return true,
        }
    };
    absolute.iter().any(|p| {
        let rel = if base == "/" {
            p.strip_prefix('/')
        } else {
            p.strip_prefix(base).and_then(|r| r.strip_prefix('/'))
        };
        rel.is_some_and(relative_path_shadows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_holds_what_tools_import() {
        assert!(SHADOWABLE.windows(2).all(|w| w[0] < w[1]));
        for n in [
            "json",
            "argparse",
            "re",
            "py_compile",
            "importlib",
            "pip",
            "sitecustomize",
        ] {
            assert!(is_shadowable(n), "{n}");
        }
        assert!(!is_shadowable("setup"));
        assert!(!is_shadowable("conftest"));
    }

    #[test]
    fn relative_paths_that_shadow() {
        for p in [
            "argparse.py",
            "./re.py",
            "json/__init__.py",
            "json",
            "_json.cpython-311-x86_64-linux-gnu.so",
            "pip/__main__.py",
        ] {
            assert!(relative_path_shadows(p), "{p}");
        }
        for p in [
            "setup.py",
            "src/json.py",
            "tests/argparse.py",
            "notes.txt",
            "json.txt",
        ] {
            assert!(!relative_path_shadows(p), "{p}");
        }
    }
}
