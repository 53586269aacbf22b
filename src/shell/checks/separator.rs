//! Phase 4 check 9 (SEPARATOR_SMUGGLING).

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs check 9 (SEPARATOR_SMUGGLING).
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
