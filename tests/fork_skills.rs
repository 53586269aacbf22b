//! Phase 7 rules against the repository's own skills: every shipped `SKILL.md` is valid for
//! OpenClaw (P7-R13) and has no deny finding from the skill scanner (P7-R21b).

use agent_ops::fork_skills::scan::scan;
use agent_ops::fork_skills::skills::parse;
use agent_ops::shell::{BashSecurityConfig, EvalContext};

#[test]
fn p7_r21b_shipped_skills_are_valid_and_have_no_deny_finding() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("skills");
    let ctx = EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Default::default(),
        env_keys: Vec::new(),
    };
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path().join("SKILL.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let p = parse(&text, &name, text.len() as u64);
        assert!(p.invalid.is_empty(), "{name}: {:?}", p.invalid);
        assert!(p.warnings.is_empty(), "{name}: {:?}", p.warnings);
        assert!(
            text.len() <= 6_000 + 1_000,
            "{name}: body too long for an agent-facing skill"
        );
        let findings = scan(&text, &ctx, &BashSecurityConfig::default());
        let deny: Vec<_> = findings.iter().filter(|f| f.is_deny()).collect();
        assert!(deny.is_empty(), "{name}: {deny:?}");
        seen += 1;
    }
    assert!(seen >= 6, "only {seen} skills");
}
