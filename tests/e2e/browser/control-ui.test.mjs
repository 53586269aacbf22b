// Issue 17 item 6, proof (e): OpenClaw's Control UI renders the agent-ops settings as controls.
// A real headless Chromium (Debian's `chromium`, driven by playwright-core; both installed by
// scripts/install-browser.sh) signs in with the `openclaw dashboard --json` link, opens the
// agent-ops plugin settings and finds the seven phases in order 1-7, each with a labelled switch
// and no doubled "Phases: Phase N" label. It flips phase 4 off and on; after each flip the config
// file holds the change (with phase 4's other settings kept) and the gateway has applied it: a
// scripted exec of an unlisted command runs while phase 4 is off and is blocked with an
// agent-ops reason once it is on again. Screenshots go to tests/e2e/.runs/ (git-ignored).
// Run it with `bash scripts/control-ui-test.sh` (it is not in the default e2e glob: see there).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { checkPrerequisites, createScenario, withDiagnostics, marker, scaled, stripAnsi, REPO, PLUGIN_ID } from "../lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep, reasonCodes } from "../lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const CHROMIUM = process.env.AGENT_OPS_CHROMIUM || "/usr/bin/chromium";
const PLAYWRIGHT = path.join(REPO, ".tools", "browser", "node_modules", "playwright-core");
const RUNS = path.join(REPO, "tests", "e2e", ".runs", `control-ui-${new Date().toISOString().replace(/[:.]/g, "-")}`);
const TITLES = [
  "1. Compaction governance",
  "2. Loop termination and budgets",
  "3. Session memory",
  "4. Bash/exec command security",
  "5. Memory scoping",
  "6. Coordinator resume integrity",
  "7. Forked agents and skills",
];

/** Polls `fn` until it returns a truthy value; fails naming `what` after `limitMs`. */
async function waitFor(what, fn, limitMs = scaled(120_000)) {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("Control UI renders the agent-ops settings as controls", () => {
  let s;
  let browser;
  let page;
  let shot = 0;
  const snap = async (name) => {
    fs.mkdirSync(RUNS, { recursive: true });
    await page.screenshot({ path: path.join(RUNS, `${String(++shot).padStart(2, "0")}-${name}.png`), fullPage: true });
  };
  const reloads = () => (stripAnsi(s.gateway.stdout + s.gateway.stderr).match(/config hot reload applied \(plugins\.entries\.agent-ops/g) ?? []).length;
  const phase4Enabled = () => s.readConfig().plugins.entries[PLUGIN_ID].config?.phases?.bashSecurity?.enabled;

  /** One scripted exec of an unlisted (harmless, nonexistent) command; the tool result text. */
  async function probeExec(label) {
    const mark = marker(label);
    const command = `agentops-probe-${crypto.randomBytes(4).toString("hex")} --check`;
    s.model.setScript({ steps: execThenReport(mark, command) });
    const run = await s.runAgent({ message: `${mark} run the probe` });
    assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
    const reported = requestForStep(s.modelLog(), `${mark}:report`);
    assert.ok(reported, "the model was not called again after the tool call");
    const decisions = s.readDecisions().filter((d) => d.phase === "exec" && d.details?.command === command);
    return { result: reported.lastTool ?? "", decisions };
  }

  /** Clicks the switch of phase `n` and waits until the config file and the gateway have it. */
  async function flip(n, want) {
    const before = reloads();
    const box = page.locator(`input[type=checkbox][aria-label="Phase ${n} on"]`);
    if (!(await box.isVisible())) await page.locator("summary", { hasText: TITLES[n - 1] }).click();
    await box.click();
    await waitFor(`phases.bashSecurity.enabled === ${want} in the config file`, () => phase4Enabled() === want);
    await waitFor("the gateway's hot reload of the agent-ops config", () => reloads() > before);
    assert.equal(await box.isChecked(), want);
    // The switch changed `enabled` only: the phase's other settings are kept.
    assert.equal(s.readConfig().plugins.entries[PLUGIN_ID].config.phases.bashSecurity.askAction, "block");
  }

  before(async () => {
    checkPrerequisites();
    assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run bash scripts/install-browser.sh (or set AGENT_OPS_CHROMIUM)`);
    assert.ok(fs.existsSync(PLAYWRIGHT), `playwright-core is not installed at ${PLAYWRIGHT}: run bash scripts/install-browser.sh`);
    s = await createScenario({ name: "control-ui", pluginConfig: phase4Config() });
    await withDiagnostics(s, async () => {
      await s.startGateway();
      const { chromium } = createRequire(import.meta.url)(PLAYWRIGHT);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      process.stderr.write(`[control-ui] ${CHROMIUM} ${browser.version()}, screenshots in ${RUNS}\n`);
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    });
  }, { timeout: TIMEOUT });

  after(async () => {
    if (browser) await browser.close();
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("i17_e2e_control_ui_shows_seven_phase_switches_in_order_and_flipping_phase_4_applies", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      // Sign in with the dashboard's one-time owner link.
      const d = await s.runCli(["dashboard", "--json"], { label: "dashboard --json" });
      assert.equal(d.code, 0, `dashboard --json exited ${d.code}`);
      assert.ok(d.json?.browserUrl, `no browserUrl: ${d.stdout}`);
      await page.goto(d.json.browserUrl);
      await page.locator("a[href='/plugins']").first().waitFor();
      await snap("signed-in");

      // Plugins -> plugin settings -> agent-ops -> its settings.
      await page.locator("a[href='/plugins']").first().click();
      await page.getByRole("button", { name: /plugin settings/i }).first().click();
      await page.getByText(PLUGIN_ID, { exact: true }).first().click();
      await page.locator(".plugin-catalog-detail__actions a[aria-label=Settings]").click();
      const switches = page.locator('input[type=checkbox][aria-label^="Phase "][aria-label$=" on"]');
      await waitFor("the seven phase switches", async () => (await switches.count()) === 7);
      await snap("agent-ops-settings");

      // Seven phases in order 1-7, each labelled once, each with its switch.
      const labels = await switches.evaluateAll((xs) => xs.map((x) => x.getAttribute("aria-label")));
      assert.deepEqual(labels, [1, 2, 3, 4, 5, 6, 7].map((n) => `Phase ${n} on`));
      const titles = await page.locator("summary .settings-row__title").allTextContents();
      const phaseTitles = titles.map((t) => t.trim()).filter((t) => TITLES.includes(t));
      assert.deepEqual(phaseTitles, TITLES, `phase sections: ${JSON.stringify(titles)}`);
      const text = await page.locator("body").innerText();
      assert.ok(!/Phases: Phase/.test(text), "a doubled 'Phases: Phase N' label is shown");
      assert.ok(!text.includes("Enter valid JSON"), "a JSON text box is shown");
      // phase4Config(): only phase 4 is on.
      const checked = await switches.evaluateAll((xs) => xs.map((x) => x.checked));
      assert.deepEqual(checked, [false, false, false, true, false, false, false]);

      // Phase 4's settings are controls too: an enum is a select or a segmented control, not a text box.
      await page.locator("summary", { hasText: TITLES[3] }).click();
      await snap("phase-4-open");
      const askRow = page.locator(".settings-row, .cfg-field, label", { hasText: "Ask Action" }).first();
      await askRow.waitFor();
      assert.equal(await askRow.locator("textarea").count(), 0, "askAction is a JSON text box");

      // Phase 4 on: the probe is stopped with an agent-ops reason.
      const on1 = await probeExec("on-before");
      assert.ok(reasonCodes(on1.result).some((c) => c.startsWith("exec.")), `tool result with phase 4 on: ${on1.result}`);
      assert.equal(on1.decisions.length, 1);

      // Off: saved, reloaded, and the same kind of command now runs (it does not exist: harmless).
      await flip(4, false);
      await snap("phase-4-off");
      const off = await probeExec("off");
      assert.deepEqual(reasonCodes(off.result), [], `agent-ops still acted with phase 4 off: ${off.result}`);
      assert.match(off.result, /not found/i, `the probe did not run: ${off.result}`);
      assert.equal(off.decisions.length, 0);

      // On again: saved, reloaded, enforced.
      await flip(4, true);
      await snap("phase-4-on-again");
      const on2 = await probeExec("on-after");
      assert.ok(reasonCodes(on2.result).some((c) => c.startsWith("exec.")), `tool result after switching phase 4 back on: ${on2.result}`);
      assert.equal(on2.decisions.length, 1);
    }));
});
