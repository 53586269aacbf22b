//! Operator rules (P4 §6.6): `rules.allow`, `rules.ask`, `rules.deny` are command prefixes
//! written as shell text, parsed with our parser into literal words, and matched against the
//! unwrapped argv of every executed command.

use super::parser::{parse, ParseLimits};
use super::semantic::{ExecCommand, Model};
use super::tables::TRUSTED_BIN_DIRS;
use super::verdict::Reason;
use super::BashSecurityConfig;

/// Parses a rule into its literal words; a rule that is not one plain simple command of
/// literal words is refused (checked by `init`).
pub fn parse_rule(rule: &str) -> Result<Vec<String>, String> {
    let parsed = parse(rule, &ParseLimits::default());
    if let Some(e) = parsed.error {
        return Err(format!("the rule {rule:?} does not parse: {}", e.message));
    }
    let cmds = parsed.script.simple_commands();
    let [(cmd, _)] = cmds.as_slice() else {
        return Err(format!(
            "the rule {rule:?} must be exactly one simple command (no `;`, `|`, `&&`)"
        ));
    };
    if !cmd.assignments.is_empty()
        || !cmd.redirections.is_empty()
        || parsed.script.list.items.len() != 1
    {
        return Err(format!(
            "the rule {rule:?} must be plain words without assignments or redirections"
        ));
    }
    let mut words = Vec::new();
    for w in &cmd.words {
        match w.literal_value() {
            Some(v) => words.push(v),
            None => return Err(format!("the rule {rule:?} contains a word that is not literal (expansion, glob or substitution)")),
        }
    }
    if words.is_empty() {
        return Err("a rule must not be empty".into());
    }
    Ok(words)
}

fn matches(c: &ExecCommand, words: &[String]) -> bool {
    if c.argv.len() < words.len() {
        return false;
    }
    c.argv
        .iter()
        .zip(words.iter())
        .enumerate()
        .all(|(i, (a, w))| {
            let Some(v) = a.value.as_deref() else {
                return false;
            };
            if v == w {
                return true;
            }
            // The command name also matches a trusted absolute path with that basename.
            i == 0
                && v.rsplit_once('/').is_some_and(|(dir, base)| {
                    base == w && crate::shell::tables::has(TRUSTED_BIN_DIRS, dir)
                })
        })
}

fn compiled(list: &[String]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .filter_map(|r| parse_rule(r).ok().map(|w| (r.clone(), w)))
        .collect()
}

/// Adds operator deny and ask rule hits (deny rules are checked on every command, P4-R35).
pub fn apply(model: &Model, cfg: &BashSecurityConfig, out: &mut Vec<Reason>) {
    let deny = compiled(&cfg.rules.deny);
    let ask = compiled(&cfg.rules.ask);
    for c in &model.commands {
        for (rule, words) in &deny {
            if matches(c, words) {
                out.push(Reason::deny(
                    "exec.deny.rule",
                    format!(
                        "the operator rule `deny: {rule}` matches this command; it was not run."
                    ),
                ));
            }
        }
        for (rule, words) in &ask {
            if matches(c, words) {
                out.push(Reason::ask(
                    "exec.ask.rule",
                    format!("the operator rule `ask: {rule}` requires approval for this command."),
                ));
            }
        }
    }
}

/// Indices of the commands an operator allow rule covers (their liftable asks are lifted).
pub fn allowed_commands(model: &Model, cfg: &BashSecurityConfig) -> Vec<usize> {
    let allow = compiled(&cfg.rules.allow);
    model
        .commands
        .iter()
        .enumerate()
        .filter(|(_, c)| allow.iter().any(|(_, w)| matches(c, w)))
        .map(|(i, _)| i)
        .collect()
}
