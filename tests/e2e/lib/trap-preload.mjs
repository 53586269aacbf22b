// Test-only fault injector for the G-R21 e2e (tests/e2e/core-trap.test.mjs), loaded into the
// gateway with NODE_OPTIONS=--import. Nothing in the shipped plugin can reach it: it is not in
// pkg/, and the plugin reads no switch for it.
//
// It pre-creates the plugin's process-wide singleton (globalThis[Symbol.for("agent-ops.runtime.v1")],
// which pkg/index.js creates with `??=`, so the plugin adopts this one) and wraps every core
// the plugin instantiates: a `dispatch` whose event JSON contains the marker runs a wasm
// function that executes `unreachable`, so the call throws a genuine WebAssembly.RuntimeError
// inside the plugin's core call, exactly where a trap of the core itself would surface.
// Every other call goes to the real core unchanged.

const MARK = process.env.AGENT_OPS_E2E_TRAP_MARK || "AGENT_OPS_E2E_TRAP";

// (module (func (export "trap") unreachable))
const TRAP_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
  0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x00, 0x0a, 0x05, 0x01, 0x03,
  0x00, 0x00, 0x0b,
]);
const trap = new WebAssembly.Instance(new WebAssembly.Module(TRAP_WASM)).exports.trap;

function wrap(core) {
  return new Proxy(core, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop !== "dispatch" || typeof v !== "function") return typeof v === "function" ? v.bind(target) : v;
      return (hook, eventJson, ctxJson) => {
        if (String(eventJson).includes(MARK)) {
          process.stderr.write(`[trap-preload] trapping ${hook}\n`);
          trap();
        }
        return v.call(target, hook, eventJson, ctxJson);
      };
    },
  });
}

const rt = { glue: null, gluePath: null, initKey: null, configJson: null, infoJson: null, initResult: null, logger: null, api: null, once: new Set(), inflight: new Map(), timer: null };
let current = null;
Object.defineProperty(rt, "core", {
  enumerable: true,
  get: () => current,
  set: (c) => { current = c ? wrap(c) : c; },
});
globalThis[Symbol.for("agent-ops.runtime.v1")] ??= rt;
