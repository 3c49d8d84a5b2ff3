// A compliance officer's supply-chain pages in the console, in headless Debian chromium:
// signs in, reads the facility risk map and the findings, traces a lot with the form,
// follows a finding to its reach. Screenshots of each page go to the folder given.
//
//   node console_supply.mjs BASE USER PASSWORD GOODS SHOTS_DIR
//
// Prints one JSON line: the map's tiles by standing, the findings table's rows, the trace's
// verdict and its flagged and clear boxes, the reach table's rows, axe-core's WCAG 2.1 A/AA
// violations on the three pages in English and Thai, and any script or
// content-security-policy error and any request to another host (there must be none).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const [base, user, password, goods, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const out = { outside: [], errors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  const page = await context.newPage();
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) out.outside.push(r.url()); });
  // The browser's own request for /favicon.ico is the only 404 allowed.
  page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) out.errors.push(`${r.status()} ${r.url()}`); });
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) out.errors.push(m.text()); });
  page.on("pageerror", (e) => out.errors.push(e.message));
  await page.goto(`${base}/console`);
  await page.fill("#user", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click("button[type=submit]")]);

  out.menu = await page.locator("nav.menu a[href='/console/supply']").count();
  await page.click("nav.menu a[href='/console/supply']");
  await page.waitForURL(`${base}/console/supply`);
  out.tiles = {};
  for (const s of ["critical", "open", "remediated", "audited", "unknown"]) {
    out.tiles[s] = await page.locator(`svg#facility-map g.fac.${s}`).count();
  }
  out.mapDescription = await page.locator("svg#facility-map desc").textContent();
  out.findings = await page.$$eval("#findings tbody tr", (rows) => rows.map((r) => r.innerText));
  await page.screenshot({ path: `${shots}/console-supply.png`, fullPage: true });

  await page.fill("#goods", goods);
  await Promise.all([page.waitForURL(/\/console\/supply\/trace\?/), page.click("form[role=search] button[type=submit]")]);
  out.verdict = (await page.locator("p.verdict").textContent()).trim();
  out.traceFlagged = await page.locator("figure.tiers svg g.flagged").count();
  out.traceClear = await page.locator("figure.tiers svg g.clear").count();
  await page.screenshot({ path: `${shots}/console-supply-trace.png`, fullPage: true });

  await Promise.all([page.waitForURL(/\/console\/supply\/finding\//), page.click("#trace-findings a")]);
  out.status = (await page.locator("#status").textContent()).trim();
  out.reach = await page.$$eval("#reach tbody tr", (rows) => rows.map((r) => r.innerText));
  await page.screenshot({ path: `${shots}/console-supply-finding.png`, fullPage: true });
  const pages = ["/console/supply", new URL(out.traceUrl = page.url()).pathname];
  await page.goBack();
  pages.splice(1, 0, new URL(page.url()).pathname + new URL(page.url()).search);

  // Accessibility: axe is injected, so this context alone bypasses the content security policy.
  const a11y = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const ap = await a11y.newPage();
  await ap.goto(`${base}/console`);
  await ap.fill("#user", user);
  await ap.fill("#password", password);
  await Promise.all([ap.waitForURL(`${base}/console`), ap.click("button[type=submit]")]);
  out.a11y = [];
  out.a11yPages = 0;
  for (const path of pages) {
    for (const lang of ["en", "th"]) {
      await ap.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
      await ap.addScriptTag({ path: axePath });
      const result = await ap.evaluate(() => axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      }));
      for (const v of result.violations) {
        out.a11y.push({ path, lang, rule: v.id, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) });
      }
      out.a11yPages += 1;
    }
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
