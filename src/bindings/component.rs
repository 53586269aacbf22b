//! wit-bindgen front end (feature `component`): `wit/agent-ops.wit`, world `agent-ops`.
//!
//! The component keeps one [`Runtime`] for its lifetime; the host is the imported
//! `agent-ops:core/host` interface. Types are translated, nothing is decided here.

use crate::host::{DirListing, ExecOutput, FileStat, Host, HostDirs, HostError, LogLevel};
use crate::runtime::{self, Runtime};
use std::cell::RefCell;

wit_bindgen::generate!({
    world: "agent-ops",
    path: "wit",
});

use agent_ops::core::host as imports;

struct WitHost;

fn err(s: String) -> HostError {
    match s.as_str() {
        "not-found" => HostError::NotFound,
        "permission-denied" => HostError::PermissionDenied,
        "too-large" => HostError::TooLarge,
        "unsupported" => HostError::Unsupported,
        "locked" => HostError::Locked,
        other => HostError::Io(other.strip_prefix("io: ").unwrap_or(other).to_string()),
    }
}

fn json<T: serde::de::DeserializeOwned>(r: Result<String, String>) -> Result<T, HostError> {
    let s = r.map_err(err)?;
    crate::json::from_str(&s).map_err(|e| HostError::Io(format!("bad host reply: {e}")))
}

impl Host for WitHost {
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        let b = imports::fs_read(path, max_bytes).map_err(err)?;
        if b.len() as u64 > max_bytes {
            return Err(HostError::TooLarge);
        }
        Ok(b)
    }
    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError> {
        imports::fs_write_atomic(path, bytes, mode).map_err(err)
    }
    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError> {
        imports::fs_append_line(path, line, fsync).map_err(err)
    }
    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        json(imports::fs_list(dir, max_entries))
    }
    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        json(imports::fs_stat(path))
    }
    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        imports::fs_remove(path).map_err(err)
    }
    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        imports::fs_lock(path, ttl_ms).map_err(err)
    }
    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        imports::fs_unlock(path).map_err(err)
    }
    fn resolve_dirs(&self) -> HostDirs {
        crate::json::from_str(&imports::resolve_dirs()).unwrap_or_default()
    }
    fn exec(
        &self,
        argv: &[String],
        cwd: &str,
        timeout_ms: u64,
        max_output: u64,
    ) -> Result<ExecOutput, HostError> {
        json(imports::exec(argv, cwd, timeout_ms, max_output))
    }
    fn now_ms(&self) -> i64 {
        imports::now_ms()
    }
    fn monotonic_ms(&self) -> u64 {
        imports::monotonic_ms()
    }
    fn env(&self, name: &str) -> Option<String> {
        imports::env(name)
    }
    fn random(&self, n: usize) -> Vec<u8> {
        imports::random(u32::try_from(n).unwrap_or(u32::MAX))
    }
    fn log(&self, level: LogLevel, code: &str, message: &str) {
        imports::log(level.as_str(), code, message)
    }
}

thread_local! {
    static RUNTIME: RefCell<Runtime> = RefCell::new(Runtime::new());
}

fn with_rt(f: impl FnOnce(&mut Runtime) -> String) -> String {
    RUNTIME.with(|r| match r.try_borrow_mut() {
        Ok(mut rt) => f(&mut rt),
        Err(_) => runtime::CoreError {
            code: crate::contract::ErrorCode::Reentrant,
            message: "the core was called again while a call was running".into(),
            path: String::new(),
        }
        .to_json(),
    })
}

struct Component;

impl Guest for Component {
    fn version() -> String {
        runtime::version_json()
    }
    fn init(config_json: String, host_info_json: String) -> String {
        with_rt(|rt| rt.init_json(&WitHost, &config_json, &host_info_json))
    }
    fn dispatch(hook: String, event_json: String, ctx_json: String) -> String {
        with_rt(|rt| rt.dispatch_json(&WitHost, &hook, &event_json, &ctx_json))
    }
    fn engine(method: String, params_json: String) -> String {
        with_rt(|rt| rt.engine_json(&WitHost, &method, &params_json))
    }
    fn complete_job(job_id: String, outcome_json: String) -> String {
        with_rt(|rt| rt.complete_job_json(&WitHost, &job_id, &outcome_json))
    }
    fn evaluate_command(command: String, ctx_json: String) -> String {
        with_rt(|rt| rt.evaluate_command_json(&WitHost, &command, &ctx_json))
    }
    fn tick(now_ms: i64) -> String {
        with_rt(|rt| rt.tick_json(&WitHost, now_ms as f64))
    }
    fn validate_config(config_json: String) -> String {
        crate::config::validate_config_json(&config_json)
    }
}

export!(Component);
