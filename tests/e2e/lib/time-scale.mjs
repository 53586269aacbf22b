// One factor for every deadline of the e2e suite (how long a test waits for OpenClaw to do something),
// so a slow or loaded machine gets more time without editing each test. Product timings that a test
// asserts (an approval timeout, a scripted model delay) are NOT scaled with it; a bound that must stay
// below one of them (approval.test.mjs's "fails at once") is capped so the test still tells them apart.
//
// Environment: AGENT_OPS_E2E_TIME_SCALE, a number ≥ 1 (default 2.5). The CI machines are shared
// 2-core VMs on which OpenClaw's own start has been measured at 19 s idle and over 120 s under load
// (four gateways at once plus other tenants); the deadlines were first written for the idle figure.
// Deadlines only cost time when something is broken, so the default errs on the long side.

const DEFAULT_SCALE = 2.5;

function readScale() {
  const raw = process.env.AGENT_OPS_E2E_TIME_SCALE;
  if (raw === undefined || raw.trim() === "") return DEFAULT_SCALE;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1) {
    throw new Error(`AGENT_OPS_E2E_TIME_SCALE must be a number ≥ 1, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The factor applied to every e2e deadline. */
export const TIME_SCALE = readScale();

/** `ms` stretched by TIME_SCALE, rounded to a whole millisecond. */
export function scaled(ms) {
  return Math.round(ms * TIME_SCALE);
}
