//! The 23 checks of phase 4 (§5): ids, names and categories as data, the findings collector,
//! and one file per category of checks.

pub mod bash;
pub mod container;
pub mod decode;
pub mod encoding;
pub(crate) mod name_sources;
pub mod persistence;
pub mod secrets;
pub mod separator;
pub mod structural;
pub mod text;
pub mod zsh;

use super::parser::Parsed;
use super::semantic::Model;
use super::verdict::Reason;
use super::verdict::{Category, Finding, Severity};
use super::{BashSecurityConfig, EvalContext};

/// Everything a check may read.
pub struct CheckCx<'a> {
    /// The raw command text.
    pub command: &'a str,
    /// The parse result (AST, comments, continuations).
    pub parsed: &'a Parsed,
    /// The semantic model (executed commands, notes).
    pub model: &'a Model,
    /// Home, cwd, workspace, OS, exec `env` keys.
    pub ctx: &'a EvalContext,
    /// Phase 4 settings.
    pub cfg: &'a BashSecurityConfig,
}

/// `(id, NAME, category)` of every check.
pub const CHECKS: [(u8, &str, Category); 23] = [
    (1, "CONTROL_CHARACTERS", Category::Text),
    (2, "UNICODE_DECEPTION", Category::Text),
    (3, "CARRIAGE_RETURN", Category::Text),
    (4, "MULTILINE_DECEPTION", Category::Text),
    (5, "INCOMPLETE_OR_UNPARSEABLE", Category::Text),
    (6, "COMMAND_SUBSTITUTION", Category::Structural),
    (7, "WRITE_REDIRECTION", Category::Structural),
    (8, "DYNAMIC_COMMAND_NAME", Category::Structural),
    (9, "SEPARATOR_SMUGGLING", Category::Structural),
    (10, "NESTED_OR_DETACHED_EXECUTION", Category::Structural),
    (11, "ANSI_C_QUOTING", Category::Encoding),
    (12, "OBFUSCATED_FLAG", Category::Encoding),
    (13, "BRACE_EXPANSION", Category::Encoding),
    (14, "BACKSLASH_OBFUSCATION", Category::Encoding),
    (15, "DECODE_OR_FETCH_TO_EXEC", Category::Encoding),
    (16, "EVAL_LIKE_BUILTIN", Category::Bash),
    (17, "ARITHMETIC_SUBSCRIPT_EVAL", Category::Bash),
    (18, "EXPANSION_TRICKS", Category::Bash),
    (19, "ZSH_DANGEROUS_BUILTIN", Category::Zsh),
    (20, "ZSH_EXPANSION", Category::Zsh),
    (21, "PERSISTENCE_TARGET", Category::Persistence),
    (22, "PRIVILEGE_ESCALATION", Category::Escalation),
    (23, "SECRET_ACCESS", Category::Escalation),
];

/// The check id named in an `exec.<level>.check.<name>` code (0 when none).
pub fn id_of_code(code: &str) -> u32 {
    let name = code.rsplit('.').next().unwrap_or("");
    CHECKS
        .iter()
        .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
        .map_or(0, |(id, _, _)| u32::from(*id))
}

/// One finding plus what the policy needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The finding as reported.
    pub finding: Finding,
    /// A liftable ask (check 7 inside the workspace).
    pub liftable: bool,
    /// The executed command it belongs to.
    pub command: Option<usize>,
}

impl std::ops::Deref for Hit {
    type Target = Finding;
    fn deref(&self) -> &Finding {
        &self.finding
    }
}

/// Findings collected during one evaluation.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    hits: Vec<Hit>,
}

impl Findings {
    /// Records a finding of check `id`.
    pub fn add(
        &mut self,
        id: u8,
        severity: Severity,
        span: (u32, u32),
        message: impl Into<String>,
    ) {
        self.add_hit(id, severity, span, message, false, None);
    }

    /// Records a finding with its liftability and command.
    pub fn add_hit(
        &mut self,
        id: u8,
        severity: Severity,
        span: (u32, u32),
        message: impl Into<String>,
        liftable: bool,
        command: Option<usize>,
    ) {
        let Some((_, name, category)) = CHECKS.iter().find(|(i, _, _)| *i == id) else {
            return;
        };
        self.hits.push(Hit {
            finding: Finding {
                id,
                name,
                category: *category,
                severity,
                message: message.into(),
                span,
            },
            liftable,
            command,
        });
    }

    /// Every finding recorded so far.
    pub fn iter(&self) -> impl Iterator<Item = &Hit> {
        self.hits.iter()
    }

    /// Findings in span order with duplicates (same id and span) merged (P4-R31); the
    /// stronger severity wins a merge.
    pub fn into_sorted(self) -> Vec<Finding> {
        let mut v: Vec<Finding> = self.hits.into_iter().map(|h| h.finding).collect();
        crate::sorted::sort_by(&mut v, |a, b| {
            (a.span, a.id, std::cmp::Reverse(a.severity)).cmp(&(
                b.span,
                b.id,
                std::cmp::Reverse(b.severity),
            ))
        });
        v.dedup_by(|b, a| a.id == b.id && a.span == b.span);
        v
    }
}

/// Runs the checks that read the AST and the semantic model. Checks report findings; rules
/// of §6.2 that are not tied to one check (e.g. `option_exec`, `dropper`) push reasons.
pub fn structural(cx: &CheckCx<'_>, out: &mut Findings, reasons: &mut Vec<Reason>) {
    structural::run(cx.command, cx.parsed, cx.model, cx.ctx, cx.cfg, out);
    // Checks 9, 11-14 and 17-20 run on the input and on every literal script string it
    // carries; the units are built once and shared.
    encoding::with_units(cx, |u| {
        separator::run_unit(cx, u, out);
        encoding::run_unit(cx, u, out);
        bash::run_unit(cx, u, out);
        zsh::run_unit(cx, u, out);
    });
    decode::run(cx, out, reasons);
    persistence::run(cx, out, reasons);
    secrets::run(cx, out, reasons);
    container::run(cx, out, reasons);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_1_to_23_with_unique_names() {
        for (i, (id, name, _)) in CHECKS.iter().enumerate() {
            assert_eq!(usize::from(*id), i + 1);
            assert_eq!(CHECKS.iter().filter(|(_, n, _)| n == name).count(), 1);
        }
        assert_eq!(id_of_code("exec.ask.check.write_redirection"), 7);
        assert_eq!(id_of_code("exec.ask.unlisted"), 0);
    }
}
