// Browser test of tapdemon's web page, run by tests/browser/run.sh against a running
// controller with the seed topology on a private OVS. playwright-core drives Debian's
// /usr/bin/chromium (never a downloaded browser).
//
// Env: TAPDEMON_URL (http://127.0.0.1:PORT), OVS_RUNDIR (the seed's OVS run directory, for
// ovs-ofctl), ARTIFACT_DIR (screenshots go there; their paths are printed).
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.TAPDEMON_URL;
const artifacts = process.env.ARTIFACT_DIR || "artifacts/browser";
if (!base) throw new Error("TAPDEMON_URL is not set (run tests/browser/run.sh)");
mkdirSync(artifacts, { recursive: true });

function step(msg) { console.log(`browser-test: ${msg}`); }

function dumpFlows(bridge) {
  return execFileSync("ovs-ofctl", ["-O", "OpenFlow13", "dump-flows", bridge], { env: process.env, encoding: "utf8" });
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  // tooling.md: without the background-networking flags Chromium's connections are refused
  // by this machine's closed network. Playwright gives each launch a new empty profile.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
const shot = async (name) => {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`ARTIFACT screenshot: ${path}`);
};

try {
  await page.goto(`${base}/`);
  for (const s of ["s1", "s2", "s3"]) {
    await page.locator(`[data-switch="${s}"]`).waitFor({ timeout: 30_000 });
    step(`switch ${s} drawn`);
  }
  // 5 uplinks from s1 and 5 from s2 to s3, each one line (LLDP discovery takes a few seconds).
  await page.waitForFunction(() => document.querySelectorAll("#topology .link[data-link]").length >= 10,
    null, { timeout: 30_000 });
  const links = await page.locator("#topology .link[data-link]").evaluateAll((ls) => ls.map((l) => l.dataset.link));
  step(`links drawn: ${links.join(" ")}`);
  for (const want of ["s1:6-s3:1", "s2:10-s3:10"]) {
    if (!links.includes(want)) throw new Error(`link ${want} not drawn (have ${links.join(", ")})`);
  }
  await shot("topology.png");

  // Live port rates: the controller polls port-stats every 3 s (run.sh's config) and LLDP
  // probes cross every uplink every 2 s, so s1:6's row shows non-zero rates from the API in
  // both directions (each checked on its own: they need not show in the same refresh).
  const seen = await page.waitForFunction(() => {
    const tr = document.querySelector('#ports tr[data-port="s1:6"]');
    const w = (window.__rates ??= {});
    if (tr && Number(tr.dataset.rxBytesPerSec) > 0) w.rx ??= tr.querySelector("td.rx").textContent.trim();
    if (tr && Number(tr.dataset.txBytesPerSec) > 0) w.tx ??= tr.querySelector("td.tx").textContent.trim();
    return w.rx && w.tx ? w : null;
  }, null, { timeout: 30_000, polling: 100 }).then((h) => h.jsonValue()).catch(async (e) => {
    const row = await page.locator('#ports tr[data-port="s1:6"]').evaluate((tr) => tr.outerHTML).catch(() => "no row");
    throw new Error(`s1:6 never showed both rx and tx rates in 30 s: ${e.message}; row: ${row}`);
  });
  for (const [dir, text] of Object.entries(seen)) {
    if (!/bit\/s$/.test(text) || text.startsWith("0 ")) throw new Error(`s1:6 shows ${dir} rate ${text}`);
  }
  step(`s1:6 live rates seen: rx ${seen.rx}, tx ${seen.tx}`);

  // Tap h9's port (s2:4) to the capture host's port (s3:11) by clicking the port.
  await page.locator("#port-s2-4").click();
  await page.locator("#tap-dialog[open]").waitFor();
  await page.locator("#tap-monitor").selectOption("s3:11");
  await page.locator("#tap-duration").fill("120");
  await page.locator("#tap-name").fill("h9-browser");
  await page.locator("#tap-submit").click();
  const row = page.locator('#taps tr[data-tap="h9-browser"]');
  try {
    await row.waitFor({ timeout: 10_000 });
  } catch (e) {
    const err = await page.locator("#tap-error").textContent();
    throw new Error(`the tap was not created; the form says: ${err}`);
  }
  step(`tap row: ${(await row.textContent()).replace(/\s+/g, " ")}`);
  await page.locator("#tap-dialog").evaluate((d) => d.open).then((open) => {
    if (open) throw new Error("the form stayed open after a successful create");
  });
  const tap = await (await fetch(`${base}/api/taps/h9-browser`)).json();
  const cookie = tap.cookie;
  if (!cookie) throw new Error(`tap has no cookie: ${JSON.stringify(tap)}`);
  const flows = dumpFlows("s2").split("\n").filter((l) => l.includes(`cookie=${cookie}`));
  step(`s2 flows with cookie ${cookie}:\n${flows.join("\n")}`);
  if (!flows.some((l) => l.includes("in_port=4") || l.includes("in_port=\"s2-eth4\""))) {
    throw new Error(`no flow of the tap matches in_port=4 on s2`);
  }
  await shot("tap-created.png");

  // Remove it from the page: its flows go.
  await row.locator("button.remove").click();
  await row.waitFor({ state: "detached", timeout: 10_000 });
  const left = dumpFlows("s2").split("\n").filter((l) => l.includes(`cookie=${cookie}`));
  if (left.length) throw new Error(`flows left after removing the tap:\n${left.join("\n")}`);
  step("tap removed, its flows are gone");
  if (consoleErrors.length) throw new Error(`console errors: ${consoleErrors.join(" | ")}`);
  step("PASS");
} catch (e) {
  failed = true;
  console.error(`browser-test: FAIL: ${e.message}`);
  await shot("failure.png").catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
