//! Phase 4 as a [`CommandJudge`]: what the runtime hands phase 7's skill scanner.

use super::{evaluate, BashSecurityConfig, EvalContext, Verdict};
use crate::contract::CommandJudge;

/// Judges snippets with phase 4's settings, as if run from `ctx.cwd`.
pub struct SnippetJudge<'a> {
    /// Where the snippet would run (a skill's commands run in the agent's workspace).
    pub ctx: EvalContext,
    /// Phase 4's settings.
    pub cfg: &'a BashSecurityConfig,
}

impl<'a> SnippetJudge<'a> {
    /// A judge for commands run from the agent's workspace (where a skill's commands run).
    pub fn in_workspace(
        home: &str,
        workspace: &str,
        os: super::Os,
        cfg: &'a BashSecurityConfig,
    ) -> Self {
        SnippetJudge {
            ctx: EvalContext {
                home: home.to_string(),
                cwd: workspace.to_string(),
                workspace: workspace.to_string(),
                os,
                ..Default::default()
            },
            cfg,
        }
    }
}

impl CommandJudge for SnippetJudge<'_> {
    fn deny_reason(&self, snippet: &str) -> Option<String> {
        let e = evaluate(snippet, &self.ctx, self.cfg);
        (e.verdict == Verdict::Deny).then_some(e.reason)
    }
}
