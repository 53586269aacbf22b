//! Evaluation of one command: raw-text checks, parse, semantic model, checks, deny rules,
//! the read-only allowlist, operator rules, and the precedence of P4-R38/P4-R39.

use super::ast::Span;
use super::checks::{self, Findings};
use super::effects::{self, Class};
use super::grants::{self, Grant, Pattern};
use super::parser::parse;
use super::semantic::{analyze, ExecCommand, Model, WalkLimits};
use super::verdict::{Evaluation, Reason, Severity, Verdict};
use super::{
    allow, deny, rules, BashSecurityConfig, EvalContext, OnExceed, RunProject, Unlisted,
    WorkspaceWrites,
};

/// Literal fragments scanned in the raw text when a limit stops the analysis (P4-R41).
const LIMIT_TEXT_SCAN: &[&str] = &[
    "/dev/tcp/",
    "/dev/udp/",
    "|sh",
    "| sh",
    "|bash",
    "| bash",
    "base64 -d",
    "base64 --decode",
    "mkfs",
    "rm -rf /",
    "rm -rf ~",
    "authorized_keys",
    ".bashrc",
    ".zshrc",
    "LD_PRELOAD",
    "/environ",
];

fn limit_reason(
    cfg: &BashSecurityConfig,
    which: &str,
    always_deny: bool,
    detail: String,
) -> Reason {
    if always_deny || cfg.limits.on_exceed == OnExceed::Deny {
        Reason::deny(format!("exec.deny.limit.{which}"), detail)
    } else {
        Reason::ask(format!("exec.ask.limit.{which}"), detail)
    }
}

fn text_scan(command: &str) -> Option<Reason> {
    LIMIT_TEXT_SCAN.iter().find(|p| command.contains(**p)).map(|p| {
        Reason::deny(
            "exec.deny.limit.text_scan",
            format!("the command is too large or complex to analyse and contains `{p}`; it was not run."),
        )
    })
}

/// Everything computed for one command, for `evaluate` and `explain`.
pub struct Analysis {
    /// Findings of the 23 checks.
    pub findings: Findings,
    /// Every reason that fired.
    pub reasons: Vec<Reason>,
    /// The semantic model (empty when the input was refused before parsing).
    pub model: Model,
    /// S-expression of the parse tree (only filled for `explain`: rendering it costs as much
    /// as the rest of an evaluation).
    pub tree: String,
    /// The workspace-tier class of every executed command (issue 16 items 5-6).
    pub tier: Vec<Class>,
    /// `runProject` allows here (`allow`, or `sandbox` inside OpenClaw's sandbox).
    pub run_project_allowed: bool,
    /// The line runs `python -m` and names a path that would shadow a standard module, so
    /// the workspace tier lifts nothing in it (python_shadow).
    pub shadow_risk: bool,
}

/// Runs the whole pipeline and returns every reason (no precedence applied yet).
pub fn analyse(command: &str, ctx: &EvalContext, cfg: &BashSecurityConfig) -> Analysis {
    let mut findings = Findings::default();
    let mut reasons = Vec::new();
    let limits = WalkLimits::from_config(&cfg.limits);
    checks::text::raw_checks(command, &mut findings);
    if command.len() > limits.parse.max_input_bytes {
        // Too large: the limit follows `onExceed` (issue 16 item 8), plus the literal scan,
        // which denies on a hit (P4-R41).
        reasons.push(limit_reason(
            cfg,
            "input_too_large",
            false,
            format!("the command is {} bytes, over the {}-byte analysis limit; it was not run. Split it into smaller commands.", command.len(), limits.parse.max_input_bytes),
        ));
        reasons.extend(text_scan(command));
        return Analysis {
            findings,
            reasons,
            model: Model::default(),
            tree: String::new(),
            tier: Vec::new(),
            run_project_allowed: false,
            shadow_risk: false,
        };
    }
    let parsed = parse(command, &limits.parse);
    let tree = String::new();
    checks::text::parsed_checks(command, &parsed, &mut findings);
    let mut limited = false;
    if let Some(e) = &parsed.error {
        if let Some(which) = super::parser::limit_kind(e) {
            limited = true;
            reasons.push(limit_reason(
                cfg,
                which,
                false,
                format!(
                    "the command exceeds the `{which}` analysis limit ({}); it was not run.",
                    e.message
                ),
            ));
        }
    }
    let model = analyze(&parsed.script, ctx, limits);
    checks::text::multiline_comment_lines(command, &model, &mut findings);
    for n in &model.notes {
        if let super::semantic::Note::Limit(which, _) = n {
            limited = true;
            reasons.push(limit_reason(cfg, which, false, format!("the command exceeds the `{which}` analysis limit; it was not run. Split it into smaller commands.")));
        }
    }
    if limited {
        reasons.extend(text_scan(command));
    }
    let cx = checks::CheckCx {
        command,
        parsed: &parsed,
        model: &model,
        ctx,
        cfg,
    };
    checks::structural(&cx, &mut findings, &mut reasons);
    deny::rules(&model, ctx, &mut reasons);
    allow::classify(&model, ctx, cfg, &mut reasons);
    rules::apply(&model, cfg, &mut reasons);
    for f in findings.iter() {
        if f.severity == Severity::Info {
            continue;
        }
        // `exec.{deny|ask}.check.{name}` lower-cased, in one buffer (no formatter, no
        // second string: this runs for every finding, P4-R49).
        let prefix = if f.severity == Severity::Deny {
            "exec.deny.check."
        } else {
            "exec.ask.check."
        };
        let mut code = String::with_capacity(prefix.len() + f.name.len());
        code.push_str(prefix);
        code.push_str(f.name);
        code.make_ascii_lowercase();
        match f.severity {
            Severity::Deny => reasons.push(Reason::deny(code, f.message.clone())),
            Severity::Ask => {
                let mut r = Reason::ask(code, f.message.clone());
                // A write inside the workspace is liftable by an allow rule (P4-R36).
                if f.id == 7 && f.liftable {
                    r.liftable = true;
                    r.command = f.command;
                }
                reasons.push(r)
            }
            Severity::Info => {}
        }
    }
    let tier = effects::classify(&model, ctx, cfg);
    mark_project_runs(&model, &tier, &mut reasons);
    let shadow_risk = super::python_shadow::line_may_create_shadow(&model, ctx);
    Analysis {
        shadow_risk,
        findings,
        reasons,
        model,
        tree,
        tier,
        run_project_allowed: match cfg.run_project {
            RunProject::Allow => true,
            RunProject::Sandbox => ctx.sandboxed,
            RunProject::Ask => false,
        },
    }
}

/// Reason codes of the allowlist that say a command is not read-only, which the workspace
/// tier may answer for (never a check finding other than check 7, never a deny).
/// `exec.ask.interpreter` is here for `python -m py_compile`, the one interpreter form the
/// tier classes as a write.
const TIER_LIFTS: &[&str] = &[
    "exec.ask.unlisted",
    "exec.ask.network",
    "exec.ask.interpreter",
];

/// Turns the "not read-only" ask of a command that runs the project's code into
/// `exec.ask.run_project` (still liftable, so allow rules still lift it; item 6).
fn mark_project_runs(model: &Model, tier: &[Class], reasons: &mut [Reason]) {
    for r in reasons.iter_mut() {
        let Some(i) = r.command else { continue };
        if !r.liftable
            || tier.get(i) != Some(&Class::RunProject)
            || !matches!(
                r.code.as_str(),
                "exec.ask.unlisted" | "exec.ask.network" | "exec.ask.interpreter"
            )
        {
            continue;
        }
        let what = model
            .commands
            .get(i)
            .map(|c| c.excerpt(100))
            .unwrap_or_default();
        r.code = "exec.ask.run_project".into();
        r.message = format!("`{what}` runs the project's code (build, tests, scripts or a dependency install); set `runProject` to `allow`, or run it in OpenClaw's sandbox.");
    }
}

/// Evaluates one command: allow / ask / deny with the winning reason (P4-R38, P4-R39).
pub fn evaluate(command: &str, ctx: &EvalContext, cfg: &BashSecurityConfig) -> Evaluation {
    let a = analyse(command, ctx, cfg);
    decide(command, a, cfg, &[], true)
}

/// [`evaluate`] without the patterns an `allow-always` answer would grant (`grantable` is
/// left empty), for callers that report only the verdict, reason and findings (the CLI
/// record of `evaluateCommand` and `agent-ops check`): building them copied every asking
/// command's words, about 2 % of an evaluation in the size-optimised wasm build (P4-R49).
pub fn evaluate_verdict(command: &str, ctx: &EvalContext, cfg: &BashSecurityConfig) -> Evaluation {
    let a = analyse(command, ctx, cfg);
    decide(command, a, cfg, &[], false)
}

/// [`evaluate`] with the operator's grants that apply to this call (issue 16 item 9): a
/// grant lifts the grantable liftable asks of the commands its patterns match, like an
/// allow rule, and nothing else.
pub fn evaluate_with_grants(
    command: &str,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
    grants: &[Grant],
) -> Evaluation {
    let a = analyse(command, ctx, cfg);
    decide(command, a, cfg, grants, true)
}

/// The first grant with a pattern that lifts `r` (a liftable ask of command `c`).
fn lifting_grant<'g>(r: &Reason, c: &ExecCommand, grants: &'g [Grant]) -> Option<&'g Grant> {
    if !r.liftable || !grants::grantable_code(&r.code) {
        return None;
    }
    let own = grants::pattern_words(c)?;
    grants.iter().find(|g| {
        g.patterns
            .iter()
            .any(|p| p.class == r.code && p.words == own)
    })
}

/// The patterns an `allow-always` answer would grant for this evaluation's remaining asks:
/// every remaining reason must be a grantable liftable ask of a command with a pattern.
fn grant_patterns(reasons: &[&Reason], model: &Model) -> Vec<Pattern> {
    let mut out: Vec<Pattern> = Vec::new();
    for r in reasons {
        let words = r
            .command
            .and_then(|i| model.commands.get(i))
            .filter(|_| r.liftable && grants::grantable_code(&r.code))
            .and_then(grants::pattern_words);
        let Some(words) = words else {
            return Vec::new();
        };
        let p = Pattern {
            words,
            class: r.code.clone(),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn deny_rank(code: &str) -> (u8, u32) {
    let order = [
        "exec.deny.rule",
        "exec.deny.limit.",
        "exec.deny.destructive.",
        "exec.deny.remote_exec.",
        "exec.deny.reverse_shell",
        "exec.deny.check.persistence_target",
        "exec.deny.check.privilege_escalation",
        "exec.deny.check.secret_access",
        "exec.deny.option_exec",
    ];
    for (i, p) in order.iter().enumerate() {
        if code.starts_with(p) {
            return (u8::try_from(i).unwrap_or(u8::MAX), 0);
        }
    }
    (100, checks::id_of_code(code))
}

fn ask_rank(code: &str) -> (u8, u32) {
    if code == "exec.ask.rule" {
        return (0, 0);
    }
    if code.starts_with("exec.ask.limit.") {
        return (1, 0);
    }
    if code.starts_with("exec.ask.check.") {
        return (2, checks::id_of_code(code));
    }
    let order = [
        "exec.ask.unlisted",
        "exec.ask.write",
        "exec.ask.network",
        "exec.ask.interpreter",
        "exec.ask.run_project",
        "exec.ask.option_exec",
        "exec.ask.unknown_option",
        "exec.ask.dynamic_args",
        "exec.ask.glob_option_injection",
        "exec.ask.wrapper_unparsed",
        "exec.ask.wrapper_depth",
        "exec.ask.destructive",
    ];
    let i = order.iter().position(|p| *p == code).unwrap_or(order.len());
    (3, u32::try_from(i).unwrap_or(u32::MAX))
}

fn decide(
    command: &str,
    a: Analysis,
    cfg: &BashSecurityConfig,
    grants: &[Grant],
    want_patterns: bool,
) -> Evaluation {
    let Analysis {
        findings,
        mut reasons,
        model,
        tier,
        run_project_allowed,
        shadow_risk,
        ..
    } = a;
    let findings = findings.into_sorted();
    // Takes the winning reason by value: its code and message move into the answer.
    let finish = |verdict: Verdict, reason: Reason, all: Vec<String>, findings| Evaluation {
        verdict,
        reason: reason.code,
        message: reason.message,
        findings,
        reasons: all,
        grantable: Vec::new(),
    };
    // (1) any deny source.
    let mut denies: Vec<&Reason> = reasons
        .iter()
        .filter(|r| r.level == Verdict::Deny)
        .collect();
    crate::sorted::sort_by_key(&mut denies, |r| deny_rank(&r.code));
    if let Some(at) = position_of(&reasons, denies.first()) {
        let all = codes(&denies);
        return finish(Verdict::Deny, reasons.swap_remove(at), all, findings);
    }
    // (2) a non-liftable ask.
    let mut hard: Vec<&Reason> = reasons
        .iter()
        .filter(|r| r.level == Verdict::Ask && !r.liftable)
        .collect();
    crate::sorted::sort_by_key(&mut hard, |r| ask_rank(&r.code));
    if let Some(at) = position_of(&reasons, hard.first()) {
        let all = codes(&hard);
        return finish(Verdict::Ask, reasons.swap_remove(at), all, findings);
    }
    // (3) lift what operator rules or `unlisted: allow` lift.
    let lifted_by_rule: Vec<usize> = rules::allowed_commands(&model, cfg);
    // A line that runs `python -m` and writes a module named like a standard one would run
    // that module: the Host looked at the directory before the write (python_shadow).
    let tier_on = cfg.workspace_writes == WorkspaceWrites::Allow && !shadow_risk;
    let (mut by_rule, mut by_tier, mut by_project) = (false, false, false);
    reasons.retain(|r| {
        if !r.liftable {
            return true;
        }
        if cfg.unlisted == Unlisted::Allow || r.command.is_some_and(|c| lifted_by_rule.contains(&c))
        {
            by_rule = true;
            return false;
        }
        let class = r.command.and_then(|c| tier.get(c)).copied();
        // (4) the workspace tier (issue 16 item 5): a liftable check-7 finding is a write
        // inside the tree; a writer whose every target is inside needs no approval.
        let tier_lift = tier_on
            && (r.code == "exec.ask.check.write_redirection"
                || (class == Some(Class::WorkspaceWrite) && TIER_LIFTS.contains(&r.code.as_str())));
        let project_lift = run_project_allowed && r.code == "exec.ask.run_project";
        by_tier |= tier_lift;
        by_project |= project_lift;
        !(tier_lift || project_lift)
    });
    // Grants lift what is left, one reason at a time (issue 16 item 9).
    let mut granted: Option<&Grant> = None;
    if !grants.is_empty() {
        reasons.retain(|r| {
            let g = r
                .command
                .and_then(|i| model.commands.get(i))
                .and_then(|c| lifting_grant(r, c, grants));
            if g.is_some() && granted.is_none() {
                granted = g;
            }
            g.is_none()
        });
    }
    let any_lift_needed = by_rule;
    let mut soft: Vec<&Reason> = reasons.iter().filter(|r| r.level == Verdict::Ask).collect();
    crate::sorted::sort_by_key(&mut soft, |r| ask_rank(&r.code));
    if let Some(at) = position_of(&reasons, soft.first()) {
        let patterns = if want_patterns {
            grant_patterns(&soft, &model)
        } else {
            Vec::new()
        };
        let all = codes(&soft);
        let mut ev = finish(Verdict::Ask, reasons.swap_remove(at), all, findings);
        ev.grantable = patterns;
        return ev;
    }
    if let Some(g) = granted {
        let r = Reason {
            code: "exec.allow.grant".into(),
            level: Verdict::Allow,
            message: format!(
                "allowed by grant {} ({}), given for `{}`.",
                g.id,
                g.patterns
                    .iter()
                    .map(Pattern::display)
                    .collect::<Vec<_>>()
                    .join(", "),
                g.example
            ),
            liftable: false,
            command: None,
        };
        return finish(Verdict::Allow, r, Vec::new(), findings);
    }
    let executed = model.commands.iter().filter(|c| !c.argv.is_empty()).count();
    // One reason built from the chosen texts, not one per branch (smaller code).
    let (code, message) = if executed == 0
        && model.commands.iter().all(|c| c.redirs.is_empty())
        && command_is_blank(command)
    {
        ("exec.allow.empty", "nothing to run.")
    } else if any_lift_needed && cfg.unlisted != Unlisted::Allow {
        ("exec.allow.rule", "allowed by an operator allow rule.")
    } else if any_lift_needed {
        (
            "exec.allow.rule",
            "allowed: `unlisted` is set to allow and nothing dangerous was found.",
        )
    } else if by_project {
        (
            "exec.allow.run_project",
            "runs the project's own build, tests or scripts, which `runProject` allows here.",
        )
    } else if by_tier {
        (
            "exec.allow.workspace_write",
            "only reads and writes files inside the workspace or the temp directory.",
        )
    } else if allow::is_version_query(&model) {
        ("exec.allow.version_query", "a version or help query.")
    } else {
        ("exec.allow.read_only", "every command only reads.")
    };
    let reason = Reason {
        code: code.into(),
        level: Verdict::Allow,
        message: message.into(),
        liftable: false,
        command: None,
    };
    let findings = if by_tier {
        // Every check-7 ask left at an allow was lifted: the write is inside the tree, which
        // the verdict now vouches for (so an allow still carries no finding above info).
        findings
            .into_iter()
            .map(|mut f| {
                if f.id == 7 && f.severity == Severity::Ask {
                    f.severity = Severity::Info;
                }
                f
            })
            .collect()
    } else {
        findings
    };
    finish(Verdict::Allow, reason, Vec::new(), findings)
}

fn command_is_blank(command: &str) -> bool {
    command.lines().all(|l| {
        let t = l.trim_matches([' ', '\t']);
        t.is_empty() || t.starts_with('#')
    })
}

/// Where in `reasons` the winning reason `first` sits, so the answer can take it by value
/// instead of copying its code and message (P4-R49).
fn position_of(reasons: &[Reason], first: Option<&&Reason>) -> Option<usize> {
    let first: &Reason = first?;
    reasons.iter().position(|r| std::ptr::eq(r, first))
}

/// The codes of `reasons` in order, each once (seen codes borrowed, one copy per kept code).
fn codes(reasons: &[&Reason]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(reasons.len());
    // A few reasons (the usual case): a scan of the kept codes, no set to build.
    if reasons.len() <= 8 {
        for r in reasons {
            if !out.contains(&r.code) {
                out.push(r.code.clone());
            }
        }
        return out;
    }
    let mut seen = crate::sorted::SortedSet::new();
    for r in reasons {
        if seen.insert(r.code.as_str()) {
            out.push(r.code.clone());
        }
    }
    out
}

/// A person-readable account of one evaluation: parse tree, executed commands with their
/// unwrapped argv, findings, reasons, verdict (P4-R47a).
pub fn explain(command: &str, ctx: &EvalContext, cfg: &BashSecurityConfig) -> String {
    let mut a = analyse(command, ctx, cfg);
    if command.len() <= WalkLimits::from_config(&cfg.limits).parse.max_input_bytes {
        a.tree = parse(command, &WalkLimits::from_config(&cfg.limits).parse)
            .script
            .to_sexp();
    }
    let mut out = String::new();
    out.push_str("command:\n");
    for (i, l) in command.split('\n').enumerate() {
        out.push_str(&format!("  {:>3}| {}\n", i + 1, l.escape_debug()));
    }
    out.push_str("\nparse tree:\n  ");
    out.push_str(if a.tree.is_empty() {
        "(not parsed)"
    } else {
        &a.tree
    });
    out.push_str("\n\nexecuted commands:\n");
    if a.model.commands.is_empty() {
        out.push_str("  (none)\n");
    }
    for (i, c) in a.model.commands.iter().enumerate() {
        let argv: Vec<String> = c
            .argv
            .iter()
            .map(|x| {
                x.value
                    .clone()
                    .map_or_else(|| "<unknown>".to_string(), |v| format!("{v:?}"))
            })
            .collect();
        let wrappers = if c.wrappers.is_empty() {
            String::new()
        } else {
            format!(" via {}", c.wrappers.join(" > "))
        };
        let cwd = match &c.cwd {
            super::semantic::Cwd::Context => String::new(),
            super::semantic::Cwd::Dirs(d) => format!(" in {}", d.join(" or ")),
            super::semantic::Cwd::Unknown => " in <unknown dir>".to_string(),
        };
        let tier = match a.tier.get(i) {
            Some(Class::WorkspaceWrite) => " [workspace write]",
            Some(Class::RunProject) => " [project code]",
            _ => "",
        };
        out.push_str(&format!(
            "  [{i}] {:?}{wrappers}{cwd}{tier}{}: [{}]{}\n",
            c.context,
            if c.in_substitution {
                " (in substitution)"
            } else {
                ""
            },
            argv.join(", "),
            if c.redirs.is_empty() {
                String::new()
            } else {
                format!(
                    " redirections: {}",
                    c.redirs
                        .iter()
                        .map(|r| format!(
                            "{}{}",
                            r.op.as_str(),
                            r.target.clone().unwrap_or_else(|| "<fd>".into())
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            }
        ));
    }
    out.push_str("\nfindings:\n");
    let findings = a.findings.clone().into_sorted();
    if findings.is_empty() {
        out.push_str("  (none)\n");
    }
    for f in &findings {
        let text = Span {
            start: f.span.0,
            end: f.span.1,
        }
        .slice(command)
        .unwrap_or("");
        out.push_str(&format!(
            "  check {:>2} {} [{:?}/{:?}] at {}..{} `{}`: {}\n",
            f.id,
            f.name,
            f.category,
            f.severity,
            f.span.0,
            f.span.1,
            text.escape_debug(),
            f.message
        ));
    }
    let ev = decide(command, a, cfg, &[], true);
    out.push_str("\nreasons:\n");
    if ev.reasons.is_empty() {
        out.push_str(&format!("  {}\n", ev.reason));
    }
    for r in &ev.reasons {
        out.push_str(&format!("  {r}\n"));
    }
    out.push_str(&format!(
        "\nverdict: {} ({})\n  {}\n",
        ev.verdict.as_str(),
        ev.reason,
        ev.message
    ));
    out
}
