//! Coordinator mode per session and mode matching on resume (P6-R4, R5): the saved mode is
//! a per-session override, never a process-wide switch.

use super::ModeSetting;
use serde::{Deserialize, Serialize};

/// Notice when a resumed session goes back into coordinator mode.
pub const MODE_ENTERED_TEXT: &str = "Coordinator mode is on again to match this resumed session.";
/// Notice when a resumed session goes back to normal mode.
pub const MODE_LEFT_TEXT: &str = "Coordinator mode is off again to match this resumed session.";
/// Layout version of `coord/<sid>.json`.
pub const MODE_VERSION: u32 = 1;

/// `coord/<sid>.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionMode {
    /// Layout version.
    pub v: u32,
    /// Session key.
    pub session_key: String,
    /// The mode the session runs in.
    pub mode: ModeSetting,
    /// Last save (ms).
    pub saved_at: i64,
    /// Resumes seen.
    #[serde(default)]
    pub resumes: u64,
    /// Last resume (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_resume_at: Option<i64>,
}

crate::json::read::json_struct!(SessionMode {
    "v" => v: req,
    "sessionKey" => session_key: req,
    "mode" => mode: req,
    "savedAt" => saved_at: req,
    "resumes" => resumes: def,
    "lastResumeAt" => last_resume_at: opt,
});

/// What `matchSessionMode` decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeMatch {
    /// The mode this session runs in from now on.
    pub mode: ModeSetting,
    /// What to save (always, so resumes are counted).
    pub save: SessionMode,
    /// A one-shot notice for the next turn, if any.
    pub notice: Option<String>,
    /// `Some((from, to))` when the saved mode overrode the configured one (`coord.mode.switched`).
    pub switched: Option<(ModeSetting, ModeSetting)>,
}

fn name(m: ModeSetting) -> &'static str {
    match m {
        ModeSetting::Coordinator => "coordinator",
        ModeSetting::Normal => "normal",
    }
}

/// P6-R5 for one session: `saved` (none for a session older than the plugin), the mode the
/// config gives its agent, and `followResumedMode`.
pub fn match_session_mode(
    key: &str,
    saved: Option<&SessionMode>,
    configured: ModeSetting,
    follow_resumed: bool,
    now_ms: i64,
) -> ModeMatch {
    let Some(saved) = saved else {
        return ModeMatch {
            mode: configured,
            save: SessionMode {
                v: MODE_VERSION,
                session_key: key.to_string(),
                mode: configured,
                saved_at: now_ms,
                resumes: 0,
                last_resume_at: None,
            },
            notice: None,
            switched: None,
        };
    };
    let mut save = SessionMode {
        resumes: saved.resumes.saturating_add(1),
        last_resume_at: Some(now_ms),
        saved_at: now_ms,
        v: MODE_VERSION,
        session_key: key.to_string(),
        mode: saved.mode,
    };
    if saved.mode == configured {
        return ModeMatch {
            mode: configured,
            save,
            notice: None,
            switched: None,
        };
    }
    if follow_resumed {
        let notice = match saved.mode {
            ModeSetting::Coordinator => MODE_ENTERED_TEXT,
            ModeSetting::Normal => MODE_LEFT_TEXT,
        };
        ModeMatch {
            mode: saved.mode,
            save,
            notice: Some(notice.to_string()),
            switched: Some((configured, saved.mode)),
        }
    } else {
        save.mode = configured;
        ModeMatch {
            mode: configured,
            save,
            notice: Some(format!(
                "This session ran in {} mode when it was last used; the configuration now puts it in {} mode.",
                name(saved.mode),
                name(configured)
            )),
            switched: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(mode: ModeSetting) -> SessionMode {
        SessionMode {
            v: 1,
            session_key: "k".into(),
            mode,
            saved_at: 1,
            resumes: 2,
            last_resume_at: None,
        }
    }

    #[test]
    fn p6_t7_no_saved_mode_saves_without_notice() {
        let m = match_session_mode("k", None, ModeSetting::Normal, true, 10);
        assert_eq!(m.mode, ModeSetting::Normal);
        assert_eq!(m.save.mode, ModeSetting::Normal);
        assert!(m.notice.is_none() && m.switched.is_none());
    }

    #[test]
    fn same_mode_changes_nothing_but_counts_the_resume() {
        let m = match_session_mode(
            "k",
            Some(&saved(ModeSetting::Coordinator)),
            ModeSetting::Coordinator,
            true,
            10,
        );
        assert!(m.notice.is_none());
        assert_eq!(m.save.resumes, 3);
    }

    #[test]
    fn p6_t5_saved_coordinator_wins_over_normal_config_both_directions() {
        let m = match_session_mode(
            "k",
            Some(&saved(ModeSetting::Coordinator)),
            ModeSetting::Normal,
            true,
            10,
        );
        assert_eq!(m.mode, ModeSetting::Coordinator);
        assert_eq!(m.notice.as_deref(), Some(MODE_ENTERED_TEXT));
        assert_eq!(
            m.switched,
            Some((ModeSetting::Normal, ModeSetting::Coordinator))
        );
        let m = match_session_mode(
            "k",
            Some(&saved(ModeSetting::Normal)),
            ModeSetting::Coordinator,
            true,
            10,
        );
        assert_eq!(m.mode, ModeSetting::Normal);
        assert_eq!(m.notice.as_deref(), Some(MODE_LEFT_TEXT));
    }

    #[test]
    fn p6_t6_without_follow_the_config_wins_with_a_notice() {
        let m = match_session_mode(
            "k",
            Some(&saved(ModeSetting::Coordinator)),
            ModeSetting::Normal,
            false,
            10,
        );
        assert_eq!(m.mode, ModeSetting::Normal);
        assert_eq!(m.save.mode, ModeSetting::Normal);
        assert!(m
            .notice
            .unwrap()
            .contains("coordinator mode when it was last used"));
        assert!(m.switched.is_none());
    }
}
