//! Phase 4 check 23 (SECRET_ACCESS, §6.4) beyond /proc environ.

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs check 23 (SECRET_ACCESS, §6.4) beyond /proc environ.
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
