//! wasm-bindgen front end (feature `js`): the Node build loaded by `pkg/index.js`.
//!
//! Every export decodes its arguments, calls the [`Runtime`], and encodes the result as JSON
//! text. The host object comes from JavaScript; its methods return values (never throw), and
//! any exception that escapes one anyway becomes a [`HostError::Io`].

use crate::host::{DirListing, ExecOutput, FileStat, Host, HostDirs, HostError, LogLevel};
use crate::runtime::{self, Runtime};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The Host implemented in `pkg/index.js` with synchronous Node APIs.
    pub type JsHost;

    #[wasm_bindgen(method, catch, js_name = fsRead)]
    fn fs_read(this: &JsHost, path: &str, max_bytes: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsWriteAtomic)]
    fn fs_write_atomic(
        this: &JsHost,
        path: &str,
        bytes: &[u8],
        mode: u32,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsAppendLine)]
    fn fs_append_line(
        this: &JsHost,
        path: &str,
        line: &str,
        fsync: bool,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsList)]
    fn fs_list(this: &JsHost, dir: &str, max_entries: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsStat)]
    fn fs_stat(this: &JsHost, path: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsRemove)]
    fn fs_remove(this: &JsHost, path: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsLock)]
    fn fs_lock(this: &JsHost, path: &str, ttl_ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = fsUnlock)]
    fn fs_unlock(this: &JsHost, path: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = resolveDirs)]
    fn resolve_dirs(this: &JsHost) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec(
        this: &JsHost,
        argv_json: &str,
        cwd: &str,
        timeout_ms: f64,
        max_output: f64,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = nowMs)]
    fn now_ms(this: &JsHost) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = monotonicMs)]
    fn monotonic_ms(this: &JsHost) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = env)]
    fn env(this: &JsHost, name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = random)]
    fn random(this: &JsHost, n: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = log)]
    fn log(this: &JsHost, level: &str, code: &str, message: &str) -> Result<JsValue, JsValue>;
    /// Minutes east of UTC of an IANA zone at an instant (`Intl`); missing or throwing: unknown.
    #[wasm_bindgen(method, catch, js_name = tzOffset)]
    fn tz_offset(this: &JsHost, zone: &str, at_ms: f64) -> Result<JsValue, JsValue>;
    /// `String.prototype.normalize("NFC")`; missing or throwing: not normalised.
    #[wasm_bindgen(method, catch, js_name = nfc)]
    fn nfc(this: &JsHost, text: &str) -> Result<JsValue, JsValue>;
    /// Only the CLI's host has it: the whole standard input, read when a subcommand needs it.
    #[wasm_bindgen(method, catch, js_name = readStdin)]
    fn read_stdin(this: &JsHost) -> Result<JsValue, JsValue>;
}

/// Adapts the JS object to the [`Host`] trait.
struct Adapter(JsHost);

fn thrown(e: JsValue) -> HostError {
    HostError::Io(
        e.as_string()
            .unwrap_or_else(|| format!("host function threw: {e:?}")),
    )
}

/// `undefined`/`null` → Ok; a string → the JSON of a [`HostError`].
fn unit_result(v: Result<JsValue, JsValue>) -> Result<(), HostError> {
    let v = v.map_err(thrown)?;
    match v.as_string() {
        None => Ok(()),
        Some(s) => Err(parse_error(&s)),
    }
}

fn parse_error(s: &str) -> HostError {
    crate::json::from_str_via_value(s).unwrap_or_else(|_| HostError::Io(s.to_string()))
}

/// A JSON text `{"ok": T}` or `{"error": HostError}`.
fn json_result<T: crate::json::FromJson>(v: Result<JsValue, JsValue>) -> Result<T, HostError> {
    let s = v
        .map_err(thrown)?
        .as_string()
        .ok_or_else(|| HostError::Io("host returned no JSON text".into()))?;
    // `ok` is read as a Value and only then as `T`, so the envelope has one Deserialize
    // instantiation instead of one per result type (wasm size, README G-R3).
    #[derive(Default)]
    struct Wire {
        ok: Option<serde_json::Value>,
        error: Option<HostError>,
    }
    crate::json::read::json_struct!(Wire { "ok" => ok: opt, "error" => error: opt });
    let bad = |e: serde_json::Error| HostError::Io(format!("bad host reply: {e}"));
    let w: Wire = crate::json::read_str(&s).map_err(bad)?;
    let ok = w.ok.map(T::from_json).transpose().map_err(bad)?;
    match (ok, w.error) {
        (_, Some(e)) => Err(e),
        (Some(t), None) => Ok(t),
        (None, None) => Err(HostError::Io("host reply has neither ok nor error".into())),
    }
}

fn number(v: Result<JsValue, JsValue>) -> f64 {
    v.ok()
        .and_then(|v| v.as_f64())
        .filter(|f| f.is_finite())
        .unwrap_or(0.0)
}

impl Host for Adapter {
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        let v = self.0.fs_read(path, max_bytes as f64).map_err(thrown)?;
        if let Some(s) = v.as_string() {
            return Err(parse_error(&s));
        }
        if v.is_instance_of::<js_sys::Uint8Array>() {
            let arr = js_sys::Uint8Array::from(v);
            if u64::from(arr.length()) > max_bytes {
                return Err(HostError::TooLarge);
            }
            return Ok(arr.to_vec());
        }
        Err(HostError::Io(
            "fsRead returned neither bytes nor an error".into(),
        ))
    }
    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError> {
        unit_result(self.0.fs_write_atomic(path, bytes, mode))
    }
    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError> {
        if line.len() > crate::host::MAX_APPEND_LINE_BYTES {
            return Err(HostError::TooLarge);
        }
        unit_result(self.0.fs_append_line(path, line, fsync))
    }
    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        json_result(self.0.fs_list(dir, max_entries))
    }
    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        json_result(self.0.fs_stat(path))
    }
    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        unit_result(self.0.fs_remove(path))
    }
    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        unit_result(self.0.fs_lock(path, ttl_ms as f64))
    }
    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        unit_result(self.0.fs_unlock(path))
    }
    fn resolve_dirs(&self) -> HostDirs {
        json_result(self.0.resolve_dirs()).unwrap_or_default()
    }
    fn exec(
        &self,
        argv: &[String],
        cwd: &str,
        timeout_ms: u64,
        max_output: u64,
    ) -> Result<ExecOutput, HostError> {
        let argv_json = serde_json::to_string(argv).map_err(|e| HostError::Io(e.to_string()))?;
        json_result(
            self.0
                .exec(&argv_json, cwd, timeout_ms as f64, max_output as f64),
        )
    }
    fn now_ms(&self) -> i64 {
        number(self.0.now_ms()) as i64
    }
    fn monotonic_ms(&self) -> u64 {
        number(self.0.monotonic_ms()).max(0.0) as u64
    }
    fn env(&self, name: &str) -> Option<String> {
        self.0.env(name).ok().and_then(|v| v.as_string())
    }
    fn nfc(&self, text: &str) -> Option<String> {
        self.0.nfc(text).ok()?.as_string()
    }
    fn utc_offset_minutes(&self, zone: &str, at_ms: i64) -> Option<i32> {
        let v = self.0.tz_offset(zone, at_ms as f64).ok()?.as_f64()?;
        // At most ±18 h (what a zone can be); anything else is not an answer.
        (v.is_finite() && v.abs() <= 1080.0).then_some(v.round() as i32)
    }
    fn random(&self, n: usize) -> Vec<u8> {
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        match self.0.random(n32) {
            Ok(v) if v.is_instance_of::<js_sys::Uint8Array>() => {
                let mut b = js_sys::Uint8Array::from(v).to_vec();
                b.resize(n, 0);
                b
            }
            _ => vec![0; n],
        }
    }
    fn log(&self, level: LogLevel, code: &str, message: &str) {
        let _ = self.0.log(level.as_str(), code, message);
    }
}

/// One core instance with its host (kept in the JS singleton, openclaw.md §3).
///
/// Every export takes `JsValue` arguments: a non-string from JavaScript becomes a typed
/// `core.invalid_input` error instead of reaching the string glue (which does not check types).
#[wasm_bindgen]
pub struct Core {
    rt: Runtime,
    host: Adapter,
}

fn text(v: &JsValue, pointer: &str) -> Result<String, String> {
    v.as_string().map(super::well_formed).ok_or_else(|| {
        runtime::CoreError::invalid_input(pointer, "expected a string argument").to_json()
    })
}

#[wasm_bindgen]
impl Core {
    /// A core using `host` for all I/O.
    #[wasm_bindgen(constructor)]
    pub fn new(host: JsHost) -> Core {
        Core {
            rt: Runtime::new(),
            host: Adapter(host),
        }
    }

    /// Crate and schema version as JSON text.
    pub fn version(&self) -> String {
        runtime::version_json()
    }

    /// Validates the config and returns the `InitResult` JSON.
    pub fn init(&mut self, config_json: JsValue, host_info_json: JsValue) -> String {
        match (
            text(&config_json, "/config"),
            text(&host_info_json, "/hostInfo"),
        ) {
            (Ok(c), Ok(h)) => self.rt.init_json(&self.host, &c, &h),
            (Err(e), _) | (_, Err(e)) => e,
        }
    }

    /// One hook call; returns the `HookResponse` JSON or `{"error": …}`.
    pub fn dispatch(&mut self, hook: JsValue, event_json: JsValue, ctx_json: JsValue) -> String {
        match (
            text(&hook, "/hook"),
            text(&event_json, "/event"),
            text(&ctx_json, "/ctx"),
        ) {
            (Ok(h), Ok(e), Ok(c)) => self.rt.dispatch_json(&self.host, &h, &e, &c),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => e,
        }
    }

    /// A context-engine method.
    pub fn engine(&mut self, method: JsValue, params_json: JsValue) -> String {
        match (text(&method, "/method"), text(&params_json, "/params")) {
            (Ok(m), Ok(p)) => self.rt.engine_json(&self.host, &m, &p),
            (Err(e), _) | (_, Err(e)) => e,
        }
    }

    /// The outcome of a job the core asked for.
    #[wasm_bindgen(js_name = completeJob)]
    pub fn complete_job(&mut self, job_id: JsValue, outcome_json: JsValue) -> String {
        match (text(&job_id, "/jobId"), text(&outcome_json, "/outcome")) {
            (Ok(j), Ok(o)) => self.rt.complete_job_json(&self.host, &j, &o),
            (Err(e), _) | (_, Err(e)) => e,
        }
    }

    /// Phase 4 direct API.
    #[wasm_bindgen(js_name = evaluateCommand)]
    pub fn evaluate_command(&self, command: JsValue, ctx_json: JsValue) -> String {
        match (text(&command, "/command"), text(&ctx_json, "/ctx")) {
            (Ok(c), Ok(x)) => self.rt.evaluate_command_json(&self.host, &c, &x),
            (Err(e), _) | (_, Err(e)) => e,
        }
    }

    /// OpenClaw loaded this instance for real (registration mode `full`): writes the load
    /// record `agent-ops doctor` reads (`<stateDir>/runtime/applied.json`). `pid` is the
    /// process id, `config_json` the config `init` accepted. Returns `{"ok": "<path>"}` or
    /// `{"error": {"code": "core.load_record_failed", "message": …}}`.
    #[wasm_bindgen(js_name = recordLoaded)]
    pub fn record_loaded(&self, pid: JsValue, config_json: JsValue) -> String {
        let pid = pid
            .as_f64()
            .filter(|p| p.is_finite() && *p >= 1.0 && *p <= 4_294_967_295.0)
            .map(|p| p as u64);
        let config = config_json
            .as_string()
            .and_then(|c| crate::json::from_str::<serde_json::Value>(&c).ok())
            .unwrap_or(serde_json::Value::Null);
        match self.rt.record_loaded(&self.host, pid, config) {
            Ok(path) => crate::json!({ "ok": path }).to_string(),
            Err(e) => crate::json!({ "error": { "code": "core.load_record_failed", "message": e.to_string() } }).to_string(),
        }
    }

    /// Periodic work.
    pub fn tick(&mut self, now_ms: JsValue) -> String {
        match now_ms.as_f64() {
            Some(n) => self.rt.tick_json(&self.host, n),
            None => runtime::CoreError::invalid_input("/nowMs", "expected a number").to_json(),
        }
    }
}

/// Validates a config without a host: `{"ok": true}` or `{"ok": false, "errors": [...]}`.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(config_json: JsValue) -> String {
    match text(&config_json, "/config") {
        Ok(c) => crate::config::validate_config_json(&c),
        Err(e) => e,
    }
}

/// The `HostInfo` JSON of the plugin's process: `facts_json` holds OpenClaw's config
/// (`openclaw`) and what Node and OpenClaw's runtime API report (`stateDir`, `homeDir`,
/// `tmpDir`, `pid`, `platform`, `version`); the derivation is `HostInfo::from_plugin_facts`.
#[wasm_bindgen(js_name = hostInfo)]
pub fn host_info(facts_json: JsValue) -> String {
    let facts = text(&facts_json, "/facts")
        .ok()
        .and_then(|t| crate::json::from_str::<serde_json::Value>(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    serde_json::to_string(&runtime::HostInfo::from_plugin_facts(&facts))
        .unwrap_or_else(|_| "{}".into())
}

/// Crate and schema version as JSON text.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    runtime::version_json()
}

/// Standard input of `openclaw agent-ops`, asked from the host on the first read only, so a
/// subcommand that does not read it never blocks on a terminal.
struct JsStdin<'a> {
    host: &'a JsHost,
    bytes: Option<Vec<u8>>,
    pos: usize,
}

impl std::io::Read for JsStdin<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.bytes.is_none() {
            let v = self
                .host
                .read_stdin()
                .map_err(|e| std::io::Error::other(thrown(e).to_string()))?;
            let bytes = if v.is_instance_of::<js_sys::Uint8Array>() {
                js_sys::Uint8Array::from(v).to_vec()
            } else if let Some(s) = v.as_string() {
                s.into_bytes()
            } else {
                return Err(std::io::Error::other(
                    "readStdin returned neither bytes nor text",
                ));
            };
            self.bytes = Some(bytes);
        }
        let rest = self
            .bytes
            .as_deref()
            .and_then(|b| b.get(self.pos..))
            .unwrap_or(&[]);
        let n = rest.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// What `pkg/cli.js` knows about the process (everything else comes through the host).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CliFacts {
    cwd: String,
    os: Option<String>,
    /// Node's `process.platform` (`darwin` is macOS), when `os` is not given.
    platform: Option<String>,
    program: Option<String>,
    openclaw_config: Option<serde_json::Value>,
    plugin_dir: Option<String>,
}

crate::json::read::json_struct!(default CliFacts {
    "cwd" => cwd, "os" => os, "platform" => platform, "program" => program,
    "openclawConfig" => openclaw_config, "pluginDir" => plugin_dir,
});

/// `openclaw agent-ops …`: runs the CLI (the native binary's code) with `args_json` (a JSON
/// array of strings) and `facts_json` (`cwd`, `os`, `program`, `openclawConfig`, `pluginDir`),
/// all I/O through `host`. Returns `{"code": n, "stdout": "…", "stderr": "…"}`.
#[wasm_bindgen(js_name = cliRun)]
pub fn cli_run(host: JsHost, args_json: JsValue, facts_json: JsValue) -> String {
    let mut stdout: Vec<u8> = Vec::new();
    let mut stderr: Vec<u8> = Vec::new();
    let parsed = text(&args_json, "/args")
        .and_then(|a| {
            crate::json::from_str::<Vec<String>>(&a)
                .map_err(|e| format!("the arguments must be a JSON array of strings: {e}"))
        })
        .and_then(|args| {
            let f = text(&facts_json, "/facts")?;
            let bad = |e: serde_json::Error| format!("the CLI facts are not valid: {e}");
            match crate::json::from_str::<serde_json::Value>(&f).map_err(bad)? {
                v @ serde_json::Value::Object(_) => {
                    <CliFacts as crate::json::FromJson>::from_json(v)
                        .map(|facts| (args, facts))
                        .map_err(bad)
                }
                _ => Err("the CLI facts must be a JSON object".to_string()),
            }
        });
    let code = match parsed {
        Err(m) => {
            stderr.extend_from_slice(format!("agent-ops: {m}\n").as_bytes());
            crate::cli::EXIT_USAGE
        }
        Ok((args, facts)) => {
            let adapter = Adapter(host);
            let cx = crate::cli::Context {
                host: &adapter,
                cwd: facts.cwd,
                os: match facts.os.as_deref().or(match facts.platform.as_deref() {
                    Some("darwin") => Some("macos"),
                    _ => None,
                }) {
                    Some("macos") => crate::shell::Os::Macos,
                    _ => crate::shell::Os::Linux,
                },
                program: facts.program.unwrap_or_else(|| "agent-ops".into()),
                openclaw_config: facts.openclaw_config,
                plugin_dir: facts.plugin_dir,
            };
            let mut stdin = std::io::BufReader::new(JsStdin {
                host: &adapter.0,
                bytes: None,
                pos: 0,
            });
            crate::cli::run(&args, &cx, &mut stdin, &mut stdout, &mut stderr)
        }
    };
    crate::json!({
        "code": code,
        "stdout": String::from_utf8_lossy(&stdout),
        "stderr": String::from_utf8_lossy(&stderr),
    })
    .to_string()
}
