//! Skill roots, discovery, validation and resolution (P7-R10 … R14): which `SKILL.md` wins a
//! name, what is shadowed, what is invalid, and which of OpenClaw's limits are exceeded.

use crate::host::{join_path, EntryKind, Host};
use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};

/// Directory levels searched per root.
pub const MAX_DISCOVERY_DEPTH: usize = 6;
/// Candidate directories per root.
pub const MAX_CANDIDATES_PER_ROOT: usize = 300;
/// Loaded skills per root.
pub const MAX_SKILLS_PER_ROOT: usize = 200;
/// Larger `SKILL.md` files are invalid.
pub const MAX_SKILL_FILE_BYTES: u64 = 256_000;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 1_024;
/// OpenClaw's `maxSkillsInPrompt`.
pub const MAX_SKILLS_IN_PROMPT: usize = 150;
/// OpenClaw's skill listing budget in characters.
pub const MAX_LISTING_CHARS: usize = 18_000;
/// Fixed cost of one listing entry besides name, description and location.
pub const LISTING_ENTRY_OVERHEAD: usize = 97;

/// One skill root, in precedence order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    /// Directory.
    pub path: String,
    /// What it is (`workspace`, `workspace-agents`, `personal`, `managed`, `workshop`,
    /// `bundled`, `extra`, `plugin`).
    pub kind: String,
}

/// P7-R10: the roots in OpenClaw's precedence order (highest first).
pub fn roots(
    workspace: &str,
    home: &str,
    openclaw_state: &str,
    agent_id: &str,
    bundled: Option<&str>,
    extra: &[String],
) -> Vec<Root> {
    let mut r = vec![
        Root {
            path: join_path(workspace, "skills"),
            kind: "workspace".into(),
        },
        Root {
            path: join_path(workspace, ".agents/skills"),
            kind: "workspace-agents".into(),
        },
        Root {
            path: join_path(home, ".agents/skills"),
            kind: "personal".into(),
        },
        Root {
            path: join_path(openclaw_state, "skills"),
            kind: "managed".into(),
        },
        Root {
            path: join_path(
                openclaw_state,
                &format!("agents/{agent_id}/agent/workshop-skills"),
            ),
            kind: "workshop".into(),
        },
    ];
    if let Some(b) = bundled {
        r.push(Root {
            path: b.to_string(),
            kind: "bundled".into(),
        });
    }
    for e in extra {
        r.push(Root {
            path: e.clone(),
            kind: "extra".into(),
        });
    }
    r.push(Root {
        path: join_path(openclaw_state, "plugin-skills"),
        kind: "plugin".into(),
    });
    r
}

/// The agent ids (`agents.list[].id`, `main` first) and `skills.load.extraDirs` (with `~`
/// expanded) of the OpenClaw config slice the binding passed (P7-R10).
pub fn openclaw_sources(cfg: &serde_json::Value, home: &str) -> (Vec<String>, Vec<String>) {
    let mut agents = vec!["main".to_string()];
    let list = cfg
        .pointer("/agents/list")
        .and_then(serde_json::Value::as_array);
    for a in list.into_iter().flatten() {
        if let Some(id) = a
            .get("id")
            .and_then(serde_json::Value::as_str)
            .filter(|i| !i.is_empty())
        {
            if !agents.iter().any(|x| x == id) {
                agents.push(id.to_string());
            }
        }
    }
    let extra = cfg
        .pointer("/skills/load/extraDirs")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .filter(|d| !d.is_empty())
        .map(|d| match d.strip_prefix("~/") {
            Some(rest) => crate::host::join_path(home, rest),
            None if d == "~" => home.to_string(),
            None => d.to_string(),
        })
        .collect();
    (agents, extra)
}

/// A `SKILL.md` found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Index of its root.
    pub root: usize,
    /// Full path of `SKILL.md`.
    pub path: String,
    /// Name of the directory holding it.
    pub dir_name: String,
    /// Path depth below the root (ties: shortest wins).
    pub depth: usize,
    /// Size.
    pub size: u64,
    /// Modification time.
    pub mtime_ms: i64,
}

/// What discovery of one root found and which caps fired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Skill files.
    pub files: Vec<Candidate>,
    /// Candidate directories visited.
    pub candidates: usize,
    /// More than 300 candidates.
    pub candidates_capped: bool,
    /// More than 200 skills.
    pub skills_capped: bool,
}

/// P7-R11: `SKILL.md` files below one root (symlinks never followed), within the caps and
/// the shared entry budget.
pub fn discover(host: &dyn Host, root_index: usize, root: &str, budget: &mut usize) -> Discovered {
    let mut out = Discovered::default();
    let mut stack: Vec<(String, usize)> = vec![(root.trim_end_matches('/').to_string(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        if *budget == 0 {
            break;
        }
        let Ok(list) = host.fs_list(&dir, u32::try_from((*budget).min(10_000)).unwrap_or(10_000))
        else {
            continue;
        };
        let mut entries = list.entries;
        *budget = budget.saturating_sub(entries.len());
        crate::sorted::sort_by(&mut entries, |a, b| b.name.cmp(&a.name));
        for e in entries {
            if e.kind != EntryKind::Dir || e.name.starts_with('.') {
                continue;
            }
            out.candidates += 1;
            if out.candidates > MAX_CANDIDATES_PER_ROOT {
                out.candidates_capped = true;
                return out;
            }
            let sub = join_path(&dir, &e.name);
            let skill = join_path(&sub, "SKILL.md");
            match host.fs_stat(&skill) {
                Ok(st) if st.kind == EntryKind::File => {
                    if out.files.len() >= MAX_SKILLS_PER_ROOT {
                        out.skills_capped = true;
                        continue;
                    }
                    out.files.push(Candidate {
                        root: root_index,
                        path: skill,
                        dir_name: e.name.clone(),
                        depth: depth + 1,
                        size: st.size,
                        mtime_ms: st.mtime_ms,
                    });
                }
                _ => {
                    if depth + 1 < MAX_DISCOVERY_DEPTH {
                        stack.push((sub, depth + 1));
                    }
                }
            }
        }
    }
    out
}

/// A validation finding (P7-R13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `skills.invalid.<rule>` or `skills.warning.<rule>`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// A parsed skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parsed {
    /// Frontmatter `name`, else the directory name.
    pub name: String,
    /// Frontmatter `description`.
    pub description: Option<String>,
    /// `metadata.openclaw.skillKey`, when set.
    pub skill_key: Option<String>,
    /// Invalid findings (the skill does not load).
    pub invalid: Vec<Finding>,
    /// Warnings.
    pub warnings: Vec<Finding>,
}

fn unquote(v: &str) -> String {
    let t = v.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t.get(1..t.len() - 1).unwrap_or("").to_string()
    } else {
        t.to_string()
    }
}

/// The frontmatter block of a skill file, `None` when missing or unclosed.
pub fn frontmatter(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.find("\n---")?;
    rest.get(..end)
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// P7-R13: parses and validates one `SKILL.md`.
pub fn parse(text: &str, dir_name: &str, size: u64) -> Parsed {
    let bad = |rule: &str, message: String| Finding {
        code: format!("skills.invalid.{rule}"),
        message,
    };
    let mut invalid = Vec::new();
    let mut warnings = Vec::new();
    if size > MAX_SKILL_FILE_BYTES {
        invalid.push(bad(
            "too_large",
            format!("the file has {size} bytes (limit {MAX_SKILL_FILE_BYTES})"),
        ));
    }
    let mut fields: SortedMap<String, String> = SortedMap::new();
    match frontmatter(text) {
        None => invalid.push(bad(
            "frontmatter",
            "no frontmatter block (`---` … `---`) at the start of the file".into(),
        )),
        Some(fm) => {
            for line in fm.lines() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    continue;
                }
                if let Some((k, v)) = line.split_once(':') {
                    fields.insert(k.trim().to_string(), unquote(v));
                }
            }
        }
    }
    let name = fields.get("name").cloned().filter(|n| !n.is_empty());
    if frontmatter(text).is_some() && name.is_none() {
        invalid.push(bad("name", "frontmatter has no `name`".into()));
    }
    let description = fields.get("description").cloned().filter(|d| !d.is_empty());
    if frontmatter(text).is_some() && description.is_none() {
        invalid.push(bad(
            "description",
            "frontmatter has no `description`".into(),
        ));
    }
    if let Some(d) = &description {
        if d.chars().count() > MAX_DESCRIPTION_CHARS {
            invalid.push(bad(
                "description_length",
                format!(
                    "the description has {} characters (limit {MAX_DESCRIPTION_CHARS})",
                    d.chars().count()
                ),
            ));
        }
    }
    if let Some(n) = &name {
        if !valid_name(n) {
            invalid.push(bad(
                "name_pattern",
                format!("the name `{n}` does not match ^[a-z0-9][a-z0-9-]{{0,63}}$"),
            ));
        } else if n != dir_name {
            warnings.push(Finding {
                code: "skills.warning.name_dir".into(),
                message: format!("the name `{n}` differs from its directory `{dir_name}`"),
            });
        }
    }
    let mut skill_key = None;
    if let Some(m) = fields.get("metadata") {
        match crate::json::from_str::<serde_json::Value>(m) {
            Ok(v) if v.is_object() => {
                skill_key = v
                    .get("openclaw")
                    .and_then(|o| o.get("skillKey"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string);
            }
            Ok(_) => invalid.push(bad("metadata", "`metadata` is not an object".into())),
            Err(_) => warnings.push(Finding {
                code: "skills.warning.metadata".into(),
                message: "`metadata` is not strict JSON (JSON5 extensions are not checked here)"
                    .into(),
            }),
        }
    }
    Parsed {
        name: name.unwrap_or_else(|| dir_name.to_string()),
        description,
        skill_key,
        invalid,
        warnings,
    }
}

/// One skill with its place in the effective set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Name.
    pub name: String,
    /// Root kind.
    pub root: String,
    /// `SKILL.md` path.
    pub path: String,
    /// Loads (no invalid finding).
    pub valid: bool,
    /// Path of the effective skill that shadows this one.
    pub shadowed_by: Option<String>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Description.
    pub description: Option<String>,
}

/// P7-R12: the effective skill per name is the first by precedence (ties inside a root:
/// shortest path, then lexical); every other one is shadowed.
pub fn resolve(mut items: Vec<(Candidate, String, Parsed)>) -> Vec<Entry> {
    crate::sorted::sort_by(&mut items, |a, b| {
        (a.0.root, a.0.depth, a.0.path.as_str()).cmp(&(b.0.root, b.0.depth, b.0.path.as_str()))
    });
    let mut winner: SortedMap<String, String> = SortedMap::new();
    let mut out = Vec::new();
    for (c, root_kind, p) in items {
        let valid = p.invalid.is_empty();
        let shadowed_by = if valid {
            match winner.get(&p.name) {
                Some(w) => Some(w.clone()),
                None => {
                    winner.insert(p.name.clone(), c.path.clone());
                    None
                }
            }
        } else {
            None
        };
        let mut findings = p.invalid.clone();
        findings.extend(p.warnings.clone());
        out.push(Entry {
            name: p.name,
            root: root_kind,
            path: c.path,
            valid,
            shadowed_by,
            findings,
            description: p.description,
        });
    }
    out
}

/// P7-R14: OpenClaw limits the effective set exceeds, as `skills.limits.<which>` codes.
pub fn limits(entries: &[Entry], discovered: &[Discovered]) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in discovered {
        if d.candidates_capped {
            out.push(Finding {
                code: "skills.limits.candidates".into(),
                message: format!(
                    "a root has more than {MAX_CANDIDATES_PER_ROOT} candidate directories"
                ),
            });
        }
        if d.skills_capped {
            out.push(Finding {
                code: "skills.limits.skills_per_root".into(),
                message: format!("a root has more than {MAX_SKILLS_PER_ROOT} skills"),
            });
        }
    }
    let effective: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.valid && e.shadowed_by.is_none())
        .collect();
    if effective.len() > MAX_SKILLS_IN_PROMPT {
        out.push(Finding {
            code: "skills.limits.prompt_count".into(),
            message: format!(
                "{} effective skills (OpenClaw lists at most {MAX_SKILLS_IN_PROMPT})",
                effective.len()
            ),
        });
    }
    let chars: usize = effective
        .iter()
        .map(|e| {
            LISTING_ENTRY_OVERHEAD
                + e.name.len()
                + e.description
                    .as_ref()
                    .map_or(0, |d| d.chars().count().min(250))
                + e.path.len()
        })
        .sum();
    if chars > MAX_LISTING_CHARS {
        out.push(Finding { code: "skills.limits.listing_chars".into(), message: format!("the skill listing would take about {chars} characters (OpenClaw's budget is {MAX_LISTING_CHARS})") });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};

    fn put(h: &MemoryHost, path: &str, name: &str) {
        h.put_file(path, format!("---\nname: {name}\ndescription: does {name} things; Use when testing.\n---\nbody\n").as_bytes());
    }

    fn scan(h: &MemoryHost, roots: &[Root]) -> Vec<Entry> {
        let mut budget = 5_000;
        let mut items = Vec::new();
        for (i, r) in roots.iter().enumerate() {
            for c in discover(h, i, &r.path, &mut budget).files {
                let text = h.file_text(&c.path).unwrap();
                let p = parse(&text, &c.dir_name, c.size);
                items.push((c, r.kind.clone(), p));
            }
        }
        resolve(items)
    }

    #[test]
    fn p7_t8_t9_precedence_and_shadowing() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let rs = roots("/ws", "/home/u", "/oc", "main", None, &[]);
        assert_eq!(rs[0].path, "/ws/skills");
        assert_eq!(rs.last().unwrap().path, "/oc/plugin-skills");
        put(&h, "/home/u/.agents/skills/deploy/SKILL.md", "deploy");
        put(&h, "/ws/skills/deploy/SKILL.md", "deploy");
        put(
            &h,
            "/ws/skills/group/agent-ops-bash-security/SKILL.md",
            "agent-ops-bash-security",
        );
        put(
            &h,
            "/oc/plugin-skills/agent-ops-bash-security/SKILL.md",
            "agent-ops-bash-security",
        );
        let e = scan(&h, &rs);
        let deploy: Vec<&Entry> = e.iter().filter(|x| x.name == "deploy").collect();
        assert_eq!(deploy[0].path, "/ws/skills/deploy/SKILL.md");
        assert!(deploy[0].shadowed_by.is_none());
        assert_eq!(
            deploy[1].shadowed_by.as_deref(),
            Some("/ws/skills/deploy/SKILL.md")
        );
        let ours = e
            .iter()
            .find(|x| x.path.starts_with("/oc/plugin-skills"))
            .unwrap();
        assert_eq!(
            ours.shadowed_by.as_deref(),
            Some("/ws/skills/group/agent-ops-bash-security/SKILL.md"),
            "grouped skills are found"
        );
    }

    #[test]
    fn p7_t10_three_invalid_findings() {
        let p = parse("---\nname: Bad_Name\n---\nbody", "Bad_Name", 300_000);
        let codes: Vec<&str> = p.invalid.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "skills.invalid.too_large",
                "skills.invalid.description",
                "skills.invalid.name_pattern"
            ]
        );
        assert!(parse("no frontmatter", "x", 10).invalid[0].code == "skills.invalid.frontmatter");
        let ok = parse("---\nname: fine\ndescription: \"quoted\"\nmetadata: {\"openclaw\": {\"skillKey\": \"fine-key\"}}\n---\n", "other", 10);
        assert!(ok.invalid.is_empty());
        assert_eq!(ok.description.as_deref(), Some("quoted"));
        assert_eq!(ok.skill_key.as_deref(), Some("fine-key"));
        assert_eq!(ok.warnings[0].code, "skills.warning.name_dir");
    }

    #[test]
    fn limits_report_prompt_count() {
        let entries: Vec<Entry> = (0..151)
            .map(|i| Entry {
                name: format!("s{i}"),
                root: "workspace".into(),
                path: format!("/ws/skills/s{i}/SKILL.md"),
                valid: true,
                shadowed_by: None,
                findings: vec![],
                description: Some("d".repeat(100)),
            })
            .collect();
        let l = limits(&entries, &[]);
        let codes: Vec<&str> = l.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            vec!["skills.limits.prompt_count", "skills.limits.listing_chars"]
        );
    }
}
