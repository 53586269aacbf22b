// Reusable fake-model scripts and plugin configs for the e2e scenarios.
import { onlyPhases } from "./harness.mjs";

/**
 * Two-step turn keyed on `mark`: the first model call of the turn asks `exec` to run `command`;
 * the call after the tool result answers with text quoting that result.
 */
export function execThenReport(mark, command, { id = mark, reportText } = {}) {
  return [
    { id: `${id}:exec`, match: { marker: mark, turn: "first" }, toolCalls: [{ name: "exec", arguments: { command } }] },
    {
      id: `${id}:report`,
      match: { marker: mark, turn: "continue" },
      text: reportText ?? `E2E-REPORT ${mark}: the exec tool returned: {{lastToolResult}}`,
    },
  ];
}

/** Plugin config with only phase 4 enabled (other phases off, so nothing else acts). */
export function phase4Config(settings = {}) {
  return onlyPhases({ bashSecurity: { enabled: true, askAction: "block", ...settings } });
}

/** Log entry of the request that consumed step `stepId`. */
export function requestForStep(log, stepId) {
  return log.find((e) => e.kind === "chat" && e.matched === stepId) ?? null;
}

/** `agent-ops[<code>]` codes quoted in a text. */
export function reasonCodes(text) {
  return [...String(text ?? "").matchAll(/agent-ops\[([a-z0-9_.-]+)\]/g)].map((m) => m[1]);
}
