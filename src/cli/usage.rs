//! The usage text of every subcommand: the one source for `agent-ops --help`,
//! `agent-ops <command> --help`, `openclaw agent-ops …` (the same text through the plugin, issue 17
//! item 7) and the usage lines printed with a usage error.
//!
//! `{prog}` in the text stands for the program as the user typed it (`agent-ops` for the native
//! binary, `openclaw agent-ops` inside OpenClaw).

/// One subcommand's help.
#[derive(Debug, Clone, Copy)]
pub struct CommandHelp {
    /// The subcommand (`check`, `doctor`, …).
    pub name: &'static str,
    /// One line for the command overview.
    pub summary: &'static str,
    /// The synopsis lines (without the `usage: ` prefix).
    pub synopsis: &'static str,
    /// What the options mean.
    pub details: &'static str,
}

/// The OpenClaw-config options shared by the subcommands that read OpenClaw's state.
const OPENCLAW_OPTIONS: &str =
    "  --openclaw-config FILE   OpenClaw's config file (default: found as OpenClaw finds it:
                           $OPENCLAW_CONFIG_PATH, else openclaw.json in $OPENCLAW_STATE_DIR,
                           else ~/.openclaw/openclaw.json)
  --state-dir DIR          the plugin's state directory (default: `stateDir` in that config,
                           else <OpenClaw state dir>/agent-ops)";

/// Every subcommand, in the order of the overview.
pub const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "check",
        summary: "evaluate shell commands as phase 4 would (stdin when COMMAND is absent)",
        synopsis: "{prog} check [--json] [--input lines|jsonl] [--exit-code] [--home DIR] [--cwd DIR]
       [--workspace DIR] [--os linux|macos] [--sandboxed] [--config FILE] [--] [COMMAND]",
        details: "Prints one line per command: verdict, reason code and the command (or a JSON record with --json).
  --json                   one JSON record per command
  --input lines|jsonl      stdin holds one command per line (default) or JSON lines: a string, or
                           an object with `command` and optional `cwd`, `home`, `os`, `workspace`
  --exit-code              exit 10 when the strictest verdict is ask, 20 when it is deny
  --home DIR               the home directory `~` stands for (default: $HOME)
  --cwd DIR                the working directory (default: the current directory)
  --workspace DIR          the agent's workspace (default: --cwd)
  --os linux|macos         the OS the commands would run on (default: this one)
  --sandboxed              the commands run in OpenClaw's sandbox (runProject: sandbox)
  --config FILE            a JSON file with the phases.bashSecurity settings
Quote the whole command as one argument: {prog} check 'ls -la | wc -l'.
Exit status: 0 evaluated, 2 usage, 3 I/O, 4 an invalid JSONL line, 10/20 with --exit-code.",
    },
    CommandHelp {
        name: "explain",
        summary: "show a command's parse tree, executed commands, findings and verdict",
        synopsis: "{prog} explain [--home DIR] [--cwd DIR] [--workspace DIR] [--os linux|macos]
       [--sandboxed] [--config FILE] [--] COMMAND",
        details: "The options are those of `check`. Quote the whole command as one argument.",
    },
    CommandHelp {
        name: "doctor",
        summary: "which OpenClaw config was read; installed, enabled, allowed, loaded, degraded; each phase",
        synopsis: "{prog} doctor [--openclaw-config FILE] [--state-dir DIR] [--workspace DIR] [--agent ID] [--json]",
        details: "Finds OpenClaw's config as OpenClaw does and prints the file it read, then one line per check:
  installed   the plugin's files are where OpenClaw loads plugins from
  enabled     plugins.enabled and plugins.entries.agent-ops.enabled are not false, no plugins.deny
  allowed     plugins.allow lists agent-ops (or is empty)
  loaded      a gateway (or agent run) loaded this plugin with this state directory, and which
              phases it applied (the record the plugin writes when OpenClaw loads it)
  degraded    conversation access, the context-engine slot, the compaction provider
and then each phase: enabled, implemented, degraded modes and the setting that lifts them.
OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME
  --workspace DIR          the agent's workspace (default: the current directory)
  --agent ID               accepted for symmetry with `memory`; the report covers every agent
  --json                   the report as JSON
Exit status: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage or a refused config,
3 the config file cannot be read.",
    },
    CommandHelp {
        name: "memory",
        summary: "the agent's memory directories, caps, snapshot state and cost ledger (phase 5)",
        synopsis: "{prog} memory status|snapshot|sync|cost [today|7d|session] [--openclaw-config FILE]
       [--state-dir DIR] [--workspace DIR] [--agent ID] [--scope user|project|local]
       [--mode merge|replace|skip] [--session-key K] [--json]",
        details: "  status                   each scope's directory, files and index size; the snapshot check
  snapshot                 publish the scope's memory to <project>/.openclaw/agent-memory-snapshots
  sync                     apply a pending snapshot (--mode when a newer one needs a choice)
  cost [today|7d|session]  the model cost ledger (session needs --session-key)
OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME
  --workspace DIR          the agent's workspace (default: the current directory)
  --agent ID               the agent (default: main)
  --scope user|project|local  the snapshot's scope (default: the first configured)
  --mode merge|replace|skip  how `sync` applies a newer snapshot over local changes
  --session-key K          the session of `cost session`
  --json                   JSON output (status)",
    },
    CommandHelp {
        name: "skills",
        summary: "effective skills, shadowing, invalid files, scanner findings, limits (phase 7)",
        synopsis: "{prog} skills [--openclaw-config FILE] [--workspace DIR] [--state-dir DIR]",
        details: "OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME
  --workspace DIR          the agent's workspace (default: agents.defaults.workspace, else the
                           current directory)",
    },
    CommandHelp {
        name: "grants",
        summary: "exec approval grants stored by allow-always answers (phase 4)",
        synopsis: "{prog} grants [list | revoke ID | clear] [--openclaw-config FILE] [--state-dir DIR] [--json]",
        details: "  list                     the live grants (default)
  revoke ID                remove one grant
  clear                    remove every grant
OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME
  --json                   JSON output",
    },
    CommandHelp {
        name: "status",
        summary: "dollars against every cap, the ladder, compaction breakers, memory jobs, grants",
        synopsis: "{prog} status [--agent ID] [--session-key K] [--openclaw-config FILE] [--state-dir DIR] [--json]",
        details: "  --agent ID               the agent (default: the session key's, else main)
  --session-key K          the session whose run, session and token budgets are shown
OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME
  --json                   JSON output (the same object as `/agent-ops status --json`)",
    },
    CommandHelp {
        name: "budget",
        summary: "lift a dollar-cap hold: new runs of the agent are allowed again (phase 2)",
        synopsis: "{prog} budget resume --agent ID [--session-id SID] [--openclaw-config FILE] [--state-dir DIR]",
        details: "  resume                   lift the agent's hold; its dollar caps count from now
  --agent ID               the agent (required)
  --session-id SID         reset only this session's dollars (default: every session of the agent)
OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME",
    },
    CommandHelp {
        name: "manifest",
        summary: "print (or write) the generated openclaw.plugin.json",
        synopsis: "{prog} manifest [--write FILE]",
        details: "  --write FILE             write the manifest to FILE (atomically) instead of printing it",
    },
    CommandHelp {
        name: "version",
        summary: "print the crate and schema version",
        synopsis: "{prog} version",
        details: "",
    },
];

/// The marker line in `details` replaced by the shared OpenClaw options.
const OPENCLAW_MARKER: &str = "OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR OPENCLAW_HOME";

/// The help of `name`, when it is a subcommand.
pub fn find(name: &str) -> Option<&'static CommandHelp> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// `usage: <synopsis>` of one subcommand, for a usage error.
pub fn usage_line(name: &str, prog: &str) -> String {
    find(name)
        .map(|c| format!("usage: {}", c.synopsis.replace("{prog}", prog)))
        .unwrap_or_default()
}

/// The full help of one subcommand (`<command> --help`).
pub fn command_help(c: &CommandHelp, prog: &str) -> String {
    let mut s = format!("{}\n\n{}\n", usage_line(c.name, prog), c.summary);
    if !c.details.is_empty() {
        s.push('\n');
        s.push_str(
            &c.details
                .replace(OPENCLAW_MARKER, OPENCLAW_OPTIONS)
                .replace("{prog}", prog),
        );
        s.push('\n');
    }
    s
}

/// The overview (`--help`, `help`, and a usage error without a known command).
pub fn overview(prog: &str) -> String {
    let mut s = format!("usage: {prog} <command> [options]\n\ncommands:\n");
    // The plugin's CLI does not generate manifests (see `cli::manifest`).
    for c in COMMANDS
        .iter()
        .filter(|c| !(cfg!(target_arch = "wasm32") && c.name == "manifest"))
    {
        s.push_str(&format!("  {:<10} {}\n", c.name, c.summary));
    }
    s.push_str(&format!(
        "\n`{prog} <command> --help` (or `{prog} help <command>`) shows a command's options.\n"
    ));
    s
}

/// One line for OpenClaw's command list (`openclaw --help`) and the manifest's `cliCommands`.
pub const OPENCLAW_DESCRIPTION: &str =
    "agent-ops operator commands: doctor, check, explain, memory, skills, grants";

/// Whether the arguments ask for help: `-h` or `--help` before a `--`.
pub fn wants_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| a.as_str() != "--")
        .any(|a| a == "--help" || a == "-h")
}
