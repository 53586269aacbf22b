//! Phase 4 acceptance cases (spec/phase4-bash-security.md §16) and peer-corpus expectations
//! (§15, `shared/corpora/peer_cases.jsonl`, cited by 1-based line) for checks 9, 11–14, 17–20.

use agent_ops::shell::{
    evaluate, BashSecurityConfig, Dialect, EvalContext, Evaluation, Os, Severity, Verdict,
};

fn ctx() -> EvalContext {
    EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Os::Linux,
        env_keys: Vec::new(),
        ..Default::default()
    }
}

fn eval(cmd: &str) -> Evaluation {
    evaluate(cmd, &ctx(), &BashSecurityConfig::default())
}

/// The strongest severity check `id` reported for `cmd`.
fn strongest(e: &Evaluation, id: u8) -> Option<Severity> {
    e.findings
        .iter()
        .filter(|f| f.id == id)
        .map(|f| f.severity)
        .max()
}

#[track_caller]
fn expect_finding(cmd: &str, verdict: Verdict, id: u8, severity: Severity) {
    let e = eval(cmd);
    assert_eq!(e.verdict, verdict, "{cmd:?} → {e:#?}");
    assert_eq!(
        strongest(&e, id),
        Some(severity),
        "{cmd:?}: check {id}; {e:#?}"
    );
}

#[track_caller]
fn expect_no_finding(cmd: &str, id: u8) {
    let e = eval(cmd);
    assert_eq!(strongest(&e, id), None, "{cmd:?}: check {id}; {e:#?}");
}

// --- §16 acceptance cases ---------------------------------------------------------------

#[test]
fn p4_t24_find_exec_terminator_has_no_check_9_finding() {
    expect_no_finding("find . -name '*.tmp' -exec rm {} \\;", 9);
}

#[test]
fn p4_t26_quoted_exec_flag_is_denied() {
    expect_finding(
        "find . \"-\"exec rm {} +",
        Verdict::Deny,
        12,
        Severity::Deny,
    );
    expect_finding(
        "find . -e\\xec rm {} \\;",
        Verdict::Deny,
        12,
        Severity::Deny,
    );
    assert_eq!(
        eval("find . \"-\"exec rm {} +").reason,
        "exec.deny.check.obfuscated_flag"
    );
}

#[test]
fn p4_t27_escaped_semicolon_hiding_a_command_is_denied() {
    expect_finding(
        "cat a.txt \\; echo ~/.ssh/id_rsa",
        Verdict::Deny,
        9,
        Severity::Deny,
    );
}

#[test]
fn p4_t37_brace_expansion_injecting_an_option_is_denied() {
    let cmd = "git ls-remote {--upload-pack=touch\\ x,y}";
    expect_finding(cmd, Verdict::Deny, 13, Severity::Deny);
    assert_eq!(eval(cmd).reason, "exec.deny.check.brace_expansion");
}

#[test]
fn p4_t38_brace_expansion_in_a_path_is_info_only() {
    // Issue 16 item 5: `mkdir` inside the workspace is now a workspace-tier write (allow).
    let e = eval("mkdir -p src/{a,b}");
    assert_eq!(e.verdict, Verdict::Allow, "{e:#?}");
    assert_eq!(e.reason, "exec.allow.workspace_write", "{e:#?}");
    assert_eq!(strongest(&e, 13), Some(Severity::Info), "{e:#?}");
}

#[test]
fn p4_t39_quoted_json_braces_are_not_brace_expansion() {
    let e = eval("curl -d '{\"k\":\"v\"}' https://api.example.invalid");
    assert_eq!(e.verdict, Verdict::Ask, "{e:#?}");
    assert_eq!(e.reason, "exec.ask.network", "{e:#?}");
    assert_eq!(strongest(&e, 13), None, "{e:#?}");
}

#[test]
fn p4_t40_unquoted_ifs_is_denied_and_ifs_assignment_allowed() {
    expect_finding("cat${IFS}x", Verdict::Deny, 18, Severity::Deny);
    let e = eval("a=$IFS");
    assert_eq!(e.verdict, Verdict::Allow, "{e:#?}");
    assert_eq!(strongest(&e, 18), None, "{e:#?}");
}

#[test]
fn p4_t42_subscript_evaluation_asks() {
    for cmd in [
        "let 'x=a[$(id)]'",
        "test -v 'a[$(id)]'",
        "[[ 'a[$(id)]' -eq 0 ]]",
    ] {
        expect_finding(cmd, Verdict::Ask, 17, Severity::Ask);
    }
}

#[test]
fn p4_t45_zsh_builtins_and_expansions_ask() {
    expect_finding("zmodload zsh/system", Verdict::Ask, 19, Severity::Ask);
    for cmd in ["=curl example.invalid", "ls ~[x]", "ls *(e:'id':)"] {
        expect_finding(cmd, Verdict::Ask, 20, Severity::Ask);
    }
}

#[test]
fn p4_t45_bash_dialect_turns_zsh_findings_into_info() {
    let cfg = BashSecurityConfig {
        dialect: Dialect::Bash,
        ..BashSecurityConfig::default()
    };
    for (cmd, id) in [
        ("zmodload zsh/system", 19),
        ("=curl example.invalid", 20),
        ("ls ~[x]", 20),
        ("ls *(e:'id':)", 20),
    ] {
        let e = evaluate(cmd, &ctx(), &cfg);
        assert_eq!(strongest(&e, id), Some(Severity::Info), "{cmd:?}: {e:#?}");
    }
}

// --- Peer corpus lines whose `why` names these checks ------------------------------------

#[test]
fn peer_line_4_ansi_c_command_name_asks() {
    expect_finding(
        "$'\\143\\141\\164' /etc/passwd",
        Verdict::Ask,
        11,
        Severity::Ask,
    );
}

#[test]
fn peer_line_10_ansi_c_spaces_ask_at_least() {
    let e = eval("echo $'\\x20'-rf$'\\x20'/");
    assert_ne!(e.verdict, Verdict::Allow, "{e:#?}");
    assert_eq!(strongest(&e, 11), Some(Severity::Ask), "{e:#?}");
}

#[test]
fn peer_line_15_ifs_as_space_is_not_allowed() {
    let e = eval("cat${IFS}/etc/passwd");
    assert_ne!(e.verdict, Verdict::Allow, "{e:#?}");
    assert_eq!(strongest(&e, 18), Some(Severity::Deny), "{e:#?}");
}

#[test]
fn peer_line_16_brace_expansion_command_name_asks() {
    expect_finding("{cat,/etc/passwd}", Verdict::Ask, 13, Severity::Ask);
}

#[test]
fn peer_line_18_substring_expansion_asks() {
    expect_finding(
        "cat ${HOME:0:1}etc${HOME:0:1}passwd",
        Verdict::Ask,
        18,
        Severity::Ask,
    );
}

#[test]
fn peer_line_19_escaped_redirection_asks() {
    expect_finding("cmd \\>/dev/null\nwhoami", Verdict::Ask, 9, Severity::Ask);
}

#[test]
fn peer_line_20_braces_around_quoted_separator_ask() {
    expect_finding("echo {\"hi\":\"hi;evil\"}", Verdict::Ask, 9, Severity::Ask);
}

#[test]
fn peer_line_21_brace_injected_upload_pack_is_denied() {
    expect_finding(
        "git ls-remote {--upload-pack=\"touch /tmp/test\",test}",
        Verdict::Deny,
        13,
        Severity::Deny,
    );
}

#[test]
fn peer_line_22_quoted_brace_desync_is_denied() {
    expect_finding(
        "git diff {@'{'0},--output=/tmp/pwned}",
        Verdict::Deny,
        13,
        Severity::Deny,
    );
}

#[test]
fn peer_line_23_escaped_quote_then_escaped_semicolon_is_denied() {
    expect_finding(
        "tac \"x\\\"y\" \\; echo ~/.ssh/id_rsa",
        Verdict::Deny,
        9,
        Severity::Deny,
    );
}

#[test]
fn peer_line_24_backslash_pair_then_escaped_semicolon_is_denied() {
    expect_finding(
        "cat \"x\\\\\" \\; echo /etc/passwd",
        Verdict::Deny,
        9,
        Severity::Deny,
    );
}

#[test]
fn peer_line_25_quoted_jq_file_flag_asks() {
    expect_finding("jq '\\' \"-f\" evil", Verdict::Ask, 12, Severity::Ask);
}

#[test]
fn peer_line_26_empty_quotes_before_flag_ask() {
    expect_finding("jq \"\"\"-f\" evil", Verdict::Ask, 12, Severity::Ask);
}

#[test]
fn peer_line_27_comment_with_quotes_is_info_and_heredoc_rm_still_denied() {
    let e = eval("echo \"it's\" # ' \" <<'MARKER'\nrm -rf /\nMARKER");
    assert_eq!(e.verdict, Verdict::Deny, "{e:#?}");
    assert_eq!(strongest(&e, 9), Some(Severity::Info), "{e:#?}");
}

#[test]
fn peer_line_29_ifs_substring_is_denied() {
    expect_finding(
        "cat${IFS:0:1}${HOME}/.claude/settings.json",
        Verdict::Deny,
        18,
        Severity::Deny,
    );
}

#[test]
fn peer_line_32_zsh_dynamic_named_directory_asks() {
    expect_finding("ls ~[x]", Verdict::Ask, 20, Severity::Ask);
}

#[test]
fn peer_line_33_emulate_c_asks() {
    expect_finding("emulate sh -c 'id'", Verdict::Ask, 19, Severity::Ask);
}

#[test]
fn peer_line_35_test_v_subscript_asks() {
    expect_finding("test -v 'a[$(id)]'", Verdict::Ask, 17, Severity::Ask);
}

#[test]
fn peer_line_36_wait_p_subscript_asks() {
    expect_finding(": & wait -p 'a[$(id)]' %1", Verdict::Ask, 17, Severity::Ask);
}

#[test]
fn peer_line_58_escaped_exec_is_denied() {
    expect_finding(
        "find . -name x -e\\xec rm {} \\;",
        Verdict::Deny,
        12,
        Severity::Deny,
    );
}

#[test]
fn peer_line_65_positional_payload_in_sh_c_asks() {
    let e = eval("sh -lc '$0 \"$@\"' find . -exec id {} \\;");
    assert_ne!(e.verdict, Verdict::Allow, "{e:#?}");
    assert_eq!(strongest(&e, 18), Some(Severity::Ask), "{e:#?}");
    assert_eq!(strongest(&e, 9), None, "{e:#?}");
}

/// §15: `ALLOW` peer cases never get an ask or deny finding from checks 9, 11–14, 17–20
/// (quoted JSON braces, `find -exec … \;`, escaped parens, quote-concatenated flags, …).
#[test]
fn peer_allow_lines_get_no_ask_or_deny_from_checks_9_to_20() {
    let path = crate::corpus::corpora_dir().join("peer_cases.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut checked = 0;
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["expect"] != "ALLOW" {
            continue;
        }
        let cmd = v["command"].as_str().unwrap();
        let e = eval(cmd);
        for f in &e.findings {
            assert!(
                !(matches!(f.id, 9 | 11..=14 | 17..=20) && f.severity >= Severity::Ask),
                "peer line {}: {cmd:?} got {f:#?}",
                i + 1
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} ALLOW lines");
}

#[test]
fn peer_line_85_quote_concatenated_flag_value_is_allowed() {
    let e = eval("rg -n \"foo\" -g\"*.py\"");
    assert_eq!(e.verdict, Verdict::Allow, "{e:#?}");
}

#[test]
fn peer_line_89_and_96_braces_in_quotes_are_allowed() {
    for cmd in [
        "awk '{print $1}' file.txt",
        "docker inspect -f '{{range.NetworkSettings.Networks}}{{.IPAddress}}{{end}}' container",
    ] {
        let e = eval(cmd);
        assert_eq!(e.verdict, Verdict::Allow, "{cmd:?}: {e:#?}");
    }
}

#[test]
fn peer_line_90_escaped_parens_are_allowed() {
    let e = eval("find . \\( -name x -o -name y \\)");
    assert_eq!(e.verdict, Verdict::Allow, "{e:#?}");
}

#[test]
fn peer_line_92_length_expansion_is_allowed() {
    let e = eval("echo ${#var}");
    assert_eq!(e.verdict, Verdict::Allow, "{e:#?}");
}
