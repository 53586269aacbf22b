//! Check 22, container escapes (P4 §5): `docker`/`podman`/`nerdctl` `run`, `create` or `exec`
//! with `--privileged`, a bind of `/` or of the container runtime socket, `--pid=host` with
//! `nsenter`, `--cap-add` of `ALL` or `SYS_ADMIN`; and `nsenter -t 1`.

use super::{CheckCx, Findings};
use crate::shell::semantic::{Arg, ExecCommand};
use crate::shell::verdict::Reason;
use crate::shell::verdict::Severity;

/// Sockets that control the container runtime: mounting one gives root on the host.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
];

/// Runs the container-escape part of check 22.
pub fn run(cx: &CheckCx<'_>, out: &mut Findings, _reasons: &mut Vec<Reason>) {
    for c in &cx.model.commands {
        match c.base_name() {
            Some("docker" | "podman" | "nerdctl") => container(c, out),
            Some("nsenter") => nsenter(c, out),
            _ => {}
        }
    }
}

fn sp(c: &ExecCommand) -> (u32, u32) {
    (c.span.start, c.span.end)
}

/// The value of `--opt VALUE` / `--opt=VALUE` / `-oVALUE` at `args[i]`, and how many words it used.
fn value_of<'a>(
    args: &'a [Arg],
    i: usize,
    long: &str,
    short: Option<&str>,
) -> Option<(&'a str, usize)> {
    let t = args.get(i)?.value.as_deref()?;
    if t == long || Some(t) == short {
        return args
            .get(i + 1)
            .and_then(|a| a.value.as_deref())
            .map(|v| (v, 2));
    }
    if let Some(v) = t.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
        return Some((v, 1));
    }
    if let Some(s) = short {
        if let Some(v) = t.strip_prefix(s).filter(|v| !v.is_empty()) {
            return Some((v, 1));
        }
    }
    None
}

fn bind_source(spec: &str) -> Option<&str> {
    // `-v SRC:DST[:opts]` or `--mount type=bind,source=SRC,…`.
    if spec.contains("source=") || spec.contains("src=") {
        return spec.split(',').find_map(|kv| {
            kv.strip_prefix("source=")
                .or_else(|| kv.strip_prefix("src="))
        });
    }
    spec.split(':').next()
}

fn container(c: &ExecCommand, out: &mut Findings) {
    let args = c.args();
    let sub_at = args
        .iter()
        .position(|a| matches!(a.text(), "run" | "create" | "exec"));
    let Some(sub_at) = sub_at else { return };
    let rest = args.get(sub_at + 1..).unwrap_or(&[]);
    let mut pid_host = false;
    let mut i = 0;
    while i < rest.len() {
        let t = rest.get(i).map(Arg::text).unwrap_or("");
        if t == "--privileged" || t == "--privileged=true" {
            out.add(
                22,
                Severity::Deny,
                sp(c),
                "a privileged container can take over the host; it was not run.",
            );
        }
        if let Some((v, n)) =
            value_of(rest, i, "--volume", Some("-v")).or_else(|| value_of(rest, i, "--mount", None))
        {
            if let Some(src) = bind_source(v) {
                let src = src.trim_end_matches('/');
                if src.is_empty() || crate::shell::tables::has(RUNTIME_SOCKETS, src) {
                    out.add(22, Severity::Deny, sp(c), format!("mounting `{}` into a container gives it the host's root file system or container runtime.", if src.is_empty() { "/" } else { src }));
                }
            }
            i += n;
            continue;
        }
        if let Some((v, n)) = value_of(rest, i, "--cap-add", None) {
            let cap = v.to_ascii_uppercase();
            let cap = cap.trim_start_matches("CAP_");
            if cap == "ALL" || cap == "SYS_ADMIN" {
                out.add(
                    22,
                    Severity::Deny,
                    sp(c),
                    format!("`--cap-add {v}` lets the container escape to the host."),
                );
            }
            i += n;
            continue;
        }
        if let Some((v, n)) = value_of(rest, i, "--pid", None) {
            pid_host |= v == "host";
            i += n;
            continue;
        }
        i += 1;
    }
    if pid_host
        && rest
            .iter()
            .any(|a| a.text().rsplit('/').next() == Some("nsenter"))
    {
        out.add(
            22,
            Severity::Deny,
            sp(c),
            "`--pid=host` with `nsenter` enters the host's namespaces.",
        );
    }
}

fn nsenter(c: &ExecCommand, out: &mut Findings) {
    let args = c.args();
    let target_one = (0..args.len())
        .any(|i| value_of(args, i, "--target", Some("-t")).is_some_and(|(v, _)| v == "1"));
    if target_one {
        out.add(
            22,
            Severity::Deny,
            sp(c),
            "`nsenter -t 1` enters the namespaces of the host's init process.",
        );
    }
}
