//! The outcome of evaluating one command: verdict, reason code, message and findings.

use serde::{Deserialize, Serialize};

/// `allow < ask < deny` (P4-R32); combining verdicts is `max()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The command may run.
    Allow,
    /// A person should approve it first.
    Ask,
    /// It must not run.
    Deny,
}

impl Verdict {
    /// `allow`, `ask` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Ask => "ask",
            Verdict::Deny => "deny",
        }
    }
}

/// Severity of one check finding; `info` never changes the verdict (P4-R31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Recorded only.
    Info,
    /// Raises the verdict to ask.
    Ask,
    /// Raises the verdict to deny.
    Deny,
}

impl Severity {
    /// `info`, `ask` or `deny` (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Ask => "ask",
            Severity::Deny => "deny",
        }
    }
}

/// The seven check categories (P4 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Raw-character checks 1–5.
    Text,
    /// Checks 6–10.
    Structural,
    /// Checks 11–15.
    Encoding,
    /// Checks 16–18.
    Bash,
    /// Checks 19–20.
    Zsh,
    /// Check 21.
    Persistence,
    /// Checks 22–23.
    Escalation,
}

impl Category {
    /// The serde name (`text`, `structural`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Text => "text",
            Category::Structural => "structural",
            Category::Encoding => "encoding",
            Category::Bash => "bash",
            Category::Zsh => "zsh",
            Category::Persistence => "persistence",
            Category::Escalation => "escalation",
        }
    }
}

/// One finding of one check, with the byte span it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Check id 1–23.
    pub id: u8,
    /// `CHECK_NAME`.
    pub name: &'static str,
    /// Check category.
    pub category: Category,
    /// What the finding does to the verdict.
    pub severity: Severity,
    /// A sentence a person understands.
    pub message: String,
    /// Byte range in the command text.
    pub span: (u32, u32),
}

/// The full result of evaluating one command (P4-R46 field order for the CLI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The verdict.
    pub verdict: Verdict,
    /// The winning reason code (P4-R39).
    pub reason: String,
    /// A message naming the piece of the command and what to do instead.
    pub message: String,
    /// Every finding, in span order.
    pub findings: Vec<Finding>,
    /// Every other reason that fired, strongest first (for `explain` and the audit log).
    pub reasons: Vec<String>,
    /// For an ask: the patterns an `allow-always` answer would grant (issue 16 item 9);
    /// empty when the ask cannot be granted (a finding, a non-liftable ask, inline code…).
    #[serde(skip)]
    pub grantable: Vec<crate::shell::grants::Pattern>,
}

/// One reason that fired, before precedence picks the winner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Reason code.
    pub code: String,
    /// Its level.
    pub level: Verdict,
    /// Message naming the command piece and what to do instead.
    pub message: String,
    /// A liftable ask (P4-R36).
    pub liftable: bool,
    /// Index of the executed command it belongs to, when it belongs to one.
    pub command: Option<usize>,
}

impl Reason {
    /// A deny reason.
    pub fn deny(code: impl Into<String>, message: impl Into<String>) -> Reason {
        Reason {
            code: code.into(),
            level: Verdict::Deny,
            message: message.into(),
            liftable: false,
            command: None,
        }
    }
    /// A non-liftable ask reason.
    pub fn ask(code: impl Into<String>, message: impl Into<String>) -> Reason {
        Reason {
            code: code.into(),
            level: Verdict::Ask,
            message: message.into(),
            liftable: false,
            command: None,
        }
    }
    /// A liftable ask reason of one command.
    pub fn liftable(code: impl Into<String>, message: impl Into<String>, command: usize) -> Reason {
        Reason {
            code: code.into(),
            level: Verdict::Ask,
            message: message.into(),
            liftable: true,
            command: Some(command),
        }
    }
}
