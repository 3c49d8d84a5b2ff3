// Signs in to the console and opens one page, in headless Debian chromium: any console
// page, for tests of pages that need no clicking.
//
//   node console_page.mjs BASE USER PASSWORD PATH SCREENSHOT.png
//
// Prints one JSON line: the page's title and h1, its table rows by table id and by row
// class, axe-core's WCAG 2.1 A/AA violations (in a second context that bypasses the CSP
// so that axe can be injected), script or CSP errors, and requests to other hosts.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const [base, user, password, path, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const signIn = async (context) => {
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.fill("#user", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click("button[type=submit]")]);
  return page;
};
const out = { outside: [], errors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  const page = await signIn(context);
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:")) out.outside.push(r.url()); });
  page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) out.errors.push(`${r.status()} ${r.url()}`); });
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) out.errors.push(m.text()); });
  page.on("pageerror", (e) => out.errors.push(e.message));
  const response = await page.goto(`${base}${path}`);
  out.status = response.status();
  out.title = await page.title();
  out.h1 = (await page.locator("h1").first().textContent()).trim();
  out.rows = await page.$$eval("table[id] tbody tr", (rows) => {
    const by = {};
    for (const r of rows) {
      const key = `${r.closest("table").id}${r.className ? "." + r.className : ""}`;
      by[key] = (by[key] || 0) + 1;
    }
    return by;
  });
  out.text = await page.$$eval("table[id] tbody tr", (rows) => rows.map((r) => r.innerText));
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  const a11y = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const ap = await signIn(a11y);
  out.a11y = [];
  for (const lang of ["en", "th"]) {
    await ap.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
    await ap.addScriptTag({ path: axePath });
    const result = await ap.evaluate(() => axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }));
    for (const v of result.violations) out.a11y.push({ lang, rule: v.id, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) });
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
