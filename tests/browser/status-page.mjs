// Drives the PowerWatch status page in Debian's headless Chromium through playwright-core, for the C# tests in
// tests/PowerWatch.Agent.Tests/Browser. It never asserts: it acts (switches the fake API's phase, clicks) and
// observes (what the page shows, computed colours and sizes), and prints one JSON report as its last stdout line;
// the xunit test asserts on it. Waits are on page state (waitForFunction), never fixed sleeps.
//
//   node status-page.mjs outage <base-url> <screenshot-dir>   a real agent mid-outage, site clock held (StatusPageOutageBrowserTests)
//   node status-page.mjs phases <base-url> <screenshot-dir>   walk the fake API's outage phases (StatusPagePhasesBrowserTests)
//   node status-page.mjs agent  <base-url> <screenshot-dir>   a real agent: render, acknowledge and shelve (StatusPageBrowserTests)
//   node status-page.mjs token  <base-url> <screenshot-dir>   a real agent with tokens: acknowledge refused, then accepted
//                                                             with the operator token of $POWERWATCH_TOKEN typed into the page
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [mode, base, shots] = process.argv.slice(2);
if (!mode || !base || !shots) {
  console.error("usage: node status-page.mjs phases|agent|outage|token <base-url> <screenshot-dir>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const report = { mode, phases: {}, actions: {}, console: [] };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
});
try {
  // A zone far from UTC, so "local time" and "UTC on hover" differ visibly.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "America/New_York", locale: "en-US" });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  // Failed requests (the test aborts them on purpose while checking the countdown) are not page errors.
  page.on("console", m => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) report.console.push(m.text()); });
  page.on("pageerror", e => report.console.push("pageerror: " + e.message));
  await page.goto(base);
  if (mode === "phases") await phases(page);
  else if (mode === "agent") await agent(page);
  else if (mode === "outage") await outage(page);
  else if (mode === "token") await token(page);
  else throw new Error("unknown mode " + mode);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));

// ---------------------------------------------------------------------------------------------------------------
async function setPhase(name) {
  const r = await fetch(new URL("/test/phase/" + name, base), { method: "POST" });
  if (!r.ok) throw new Error("fake API refused phase " + name + ": " + r.status);
}

/** Waits until a refresh that started after the phase switch has rendered the phase: its verdict, agent marker and alert count. */
async function waitForPhase(page, phase, verdict, activeAlerts) {
  await page.waitForFunction(([phase, verdict, n]) =>
    document.getElementById("agent").textContent === "fake-" + phase &&
    document.getElementById("banner").dataset.verdict === verdict &&
    (n === 0 ? !!document.getElementById("no-alerts") : document.querySelectorAll("#alerts .alert").length === n),
    [phase, verdict, activeAlerts]);
}

async function shot(page, name, fullPage = false) {
  const path = join(shots, name + ".png");
  // The operator's view: the top of the page (clicks further down may have scrolled it).
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage });
  return path;
}

async function observe(page) {
  return page.evaluate(() => {
    const $ = id => document.getElementById(id);
    const banner = $("banner"), cs = getComputedStyle(banner), cd = $("cd-value");
    const visible = e => !!e && e.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true });
    // The largest rendered text other than the countdown digits.
    let maxOther = 0, maxOtherWhat = "";
    for (const e of document.querySelectorAll("body *")) {
      if (e === cd || !visible(e)) continue;
      if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      const fs = parseFloat(getComputedStyle(e).fontSize);
      if (fs > maxOther) { maxOther = fs; maxOtherWhat = e.id || e.className || e.tagName; }
    }
    const boxes = [...document.querySelectorAll("#chain .box")];
    const rects = boxes.map(b => b.getBoundingClientRect());
    let overlap = null;
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i], b = rects[j];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlap = boxes[i].dataset.device + "/" + boxes[j].dataset.device;
    }
    const at = $("cd-at").querySelector("time");
    return {
      verdict: banner.dataset.verdict,
      verdictText: $("verdict").textContent,
      cause: $("cause").textContent,
      action: $("action").textContent,
      bannerBackground: cs.backgroundColor,
      bannerBackgroundImage: cs.backgroundImage,
      bannerBorderStyle: cs.borderTopStyle,
      bannerBorderWidth: parseFloat(cs.borderTopWidth),
      bannerAnimation: cs.animationName,
      bannerColor: cs.color,
      countdown: cd.textContent,
      countdownSeconds: $("countdown").dataset.seconds === "" ? null : Number($("countdown").dataset.seconds),
      countdownVisible: visible(cd),
      countdownAtText: $("cd-at").textContent,
      countdownAtTitle: at ? at.title : null,
      countdownAtIso: at ? at.dateTime : null,
      countdownFontPx: parseFloat(getComputedStyle(cd).fontSize),
      largestOtherFontPx: maxOther,
      largestOther: maxOtherWhat,
      boxes: boxes.map(b => ({ device: b.dataset.device, state: b.dataset.state, text: b.innerText.replace(/\s+/g, " ").trim(),
        border: getComputedStyle(b).borderTopColor, borderStyle: getComputedStyle(b).borderTopStyle })),
      boxesOverlap: overlap,
      horizontalOverflow: document.documentElement.scrollWidth > window.innerWidth,
      groups: [...document.querySelectorAll("#alerts .alert-group")].map(g => {
        const root = g.querySelector(":scope > .alert");
        const details = g.querySelector("details.cons");
        return {
          root: g.dataset.root,
          rootText: root.innerText.replace(/\s+/g, " ").trim(),
          count: details ? Number(details.querySelector("summary").dataset.count) : 0,
          summary: details ? details.querySelector("summary").textContent : null,
          open: details ? details.open : false,
          consequences: details ? [...details.querySelectorAll(".alert")].map(a => ({ id: a.dataset.alert, visible: visible(a), text: a.innerText.replace(/\s+/g, " ").trim() })) : [],
        };
      }),
      alertCount: $("alert-count").textContent,
      writeError: $("write-error").textContent,
      trends: [...document.querySelectorAll("#trends .chart")].map(c => ({ metric: c.dataset.metric, now: c.querySelector(".now").textContent,
        series: [...c.querySelectorAll("path[data-device]")].map(p => ({ device: p.dataset.device, points: Number(p.dataset.points) })) })),
      nameplate: [...document.querySelectorAll("#nameplate .plate")].map(p => ({ device: p.dataset.device,
        rows: [...p.querySelectorAll("tr")].map(r => r.innerText.replace(/\s+/g, " ").trim()) })),
      readingsDevices: [...document.querySelectorAll("#devices h3")].map(h => h.textContent),
      bodyText: document.body.innerText,
    };
  });
}

async function alertRowText(page, id) {
  return page.locator(`.alert[data-alert="${id}"]`).first().innerText();
}

// ---------------------------------------------------------------------------------------------------------------
async function phases(page) {
  const walk = [
    // phase (fake API), expected verdict, active alerts
    ["normal", "normal", 0],
    ["on-battery", "on-battery", 3],
    ["at-risk", "at-risk", 4],
    ["critical", "critical", 6],
    ["load-lost", "load-lost", 7],
    ["unknown", "unknown", 2],
    ["legacy", "unknown", 2],
  ];
  let n = 1;
  for (const [phase, verdict, alerts] of walk) {
    await setPhase(phase);
    await waitForPhase(page, phase, verdict, alerts);
    const o = await observe(page);
    const number = n++;
    o.screenshot = await shot(page, `status-${number}-${phase}`);
    report.phases[phase] = o;

    if (phase === "on-battery") {
      // The countdown ticks in the browser between refreshes: with every API request failing, it still decreases.
      const first = o.countdownSeconds;
      await page.route("**/api/**", r => r.abort());
      await page.waitForFunction(s => Number(document.getElementById("countdown").dataset.seconds) <= s - 2, first);
      const later = await page.evaluate(() => Number(document.getElementById("countdown").dataset.seconds));
      await page.unroute("**/api/**");
      report.actions.countdown = { first, later, text: await page.locator("#cd-value").innerText() };
    }

    if (phase === "critical") {
      const root = "utility-lost:ats";
      const group = page.locator(`.alert-group[data-root="${root}"]`);
      const before = await observe(page);
      await group.locator("details.cons > summary").click();
      await page.waitForFunction(r => document.querySelector(`.alert-group[data-root="${r}"] details.cons`).open, root);
      const expanded = await observe(page);
      await page.fill("#operator", "night-op");
      await page.locator("#operator").dispatchEvent("change");

      await group.locator(":scope > .alert .ack-btn").click();
      await page.waitForFunction(r => !!document.querySelector(`.alert-group[data-root="${r}"] > .alert .badge.ack`), root);

      const shelveId = "battery-temperature-high:ups";
      const shelveGroup = page.locator(`.alert-group[data-root="${shelveId}"]`);
      await shelveGroup.locator(":scope > .alert select.shelve-for").selectOption("15");
      await shelveGroup.locator(":scope > .alert .shelve-btn").click();
      await page.waitForFunction(r => !!document.querySelector(`.alert-group[data-root="${r}"] > .alert .badge.shelf`), shelveId);

      // A consequence folded under the root can be acknowledged on its own.
      const consequence = "generator-failed-to-start:gen-1";
      await group.locator(`details.cons .alert[data-alert="${consequence}"] .ack-btn`).click();
      await page.waitForFunction(r => !!document.querySelector(`details.cons .alert[data-alert="${r}"] .badge.ack`), consequence);

      report.actions.grouping = { before: before.groups, expanded: expanded.groups };
      report.actions.ack = { id: root, row: await alertRowText(page, root), consequence, consequenceRow: await alertRowText(page, consequence) };
      report.actions.shelve = {
        id: shelveId, row: await alertRowText(page, shelveId),
        title: await page.locator(`.alert[data-alert="${shelveId}"] .badge.shelf time`).getAttribute("title"),
      };
      const after = await observe(page);
      after.screenshot = await shot(page, `status-${number}-critical-after-ack-and-shelve`, true);
      report.phases["critical-after"] = after;

      await page.setViewportSize({ width: 800, height: 1000 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const narrow = await observe(page);
      narrow.screenshot = await shot(page, `status-${number}-critical-800px`);
      report.phases["critical-800"] = narrow;
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
async function agent(page) {
  // A real agent whose devices do not answer: comms-lost alerts are active; acknowledge and shelve one through the page.
  await page.waitForFunction(() => document.querySelectorAll("#alerts .alert").length > 0 && document.querySelectorAll("#chain .box").length > 0);
  const o = await observe(page);
  o.screenshot = await shot(page, "status-agent-comms-lost");
  report.phases.initial = o;
  const id = await page.locator("#alerts .alert").first().getAttribute("data-alert");
  await page.fill("#operator", "night-op");
  await page.locator("#operator").dispatchEvent("change");
  await page.locator(`.alert[data-alert="${id}"] .ack-btn`).click();
  await page.waitForFunction(r => !!document.querySelector(`.alert[data-alert="${r}"] .badge.ack`), id);
  await page.locator(`.alert[data-alert="${id}"] .shelve-btn`).click();
  await page.waitForFunction(r => !!document.querySelector(`.alert[data-alert="${r}"] .badge.shelf`), id);
  report.actions.ack = { id, row: await alertRowText(page, id) };
  const after = await observe(page);
  after.screenshot = await shot(page, "status-agent-after-ack-and-shelve", true);
  report.phases.after = after;
}

// ---------------------------------------------------------------------------------------------------------------
async function outage(page) {
  // A real agent over the simulated site, paused mid-outage: wait until the page shows a verdict other than the
  // start-up "unknown", with the chain drawn and the alerts listed, then look at it as the operator would.
  await page.waitForFunction(() => {
    const b = document.getElementById("banner");
    return b.dataset.verdict && b.dataset.verdict !== "unknown" &&
      document.querySelectorAll("#chain .box").length > 0 && document.querySelectorAll("#alerts .alert-group").length > 0;
  });
  const o = await observe(page);
  o.screenshot = await shot(page, "status-real-agent-mid-outage");
  o.fullScreenshot = await shot(page, "status-real-agent-mid-outage-full", true);
  report.phases.outage = o;
}

// ---------------------------------------------------------------------------------------------------------------
async function token(page) {
  // An agent with tokens: reads from loopback are open, an acknowledge without a token is refused (the page says so);
  // with the operator token typed into the Token field it goes through.
  await page.waitForFunction(() => document.querySelectorAll("#alerts .alert").length > 0);
  const id = await page.locator("#alerts .alert").first().getAttribute("data-alert");
  await page.locator(`.alert[data-alert="${id}"] .ack-btn`).click();
  await page.waitForFunction(() => document.getElementById("write-error").textContent.includes("refused"));
  report.actions.refused = { id, error: await page.locator("#write-error").textContent() };
  await page.fill("#token", process.env.POWERWATCH_TOKEN || "");
  await page.locator("#token").dispatchEvent("change");
  await page.locator(`.alert[data-alert="${id}"] .ack-btn`).click();
  await page.waitForFunction(r => !!document.querySelector(`.alert[data-alert="${r}"] .badge.ack`), id);
  report.actions.ack = { id, row: await alertRowText(page, id), error: await page.locator("#write-error").textContent() };
  report.actions.stored = await page.evaluate(() => ({ session: sessionStorage.getItem("powerwatch.token") !== null, local: localStorage.getItem("powerwatch.token") !== null }));
  const after = await observe(page);
  after.screenshot = await shot(page, "status-agent-token-after-ack", true);
  report.phases.after = after;
}
