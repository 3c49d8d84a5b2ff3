// Opens a public provenance page (GS1 Digital Link) in headless Debian chromium, as anyone
// who scanned a label would, with JavaScript off.
//
//   node provenance_page.mjs URL SCREENSHOT.png
//
// Prints one JSON line: the verdict's text and class, how many boxes of the tiers picture
// are flagged and clear, the findings table's rows, the page's title, and any request to
// another host (there must be none).
import { chromium } from "playwright-core";

const [url, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(origin)) outside.push(r.url()); });
  const response = await page.goto(url);
  const verdict = page.locator("p.verdict");
  const out = {
    status: response.status(),
    title: await page.title(),
    verdict: (await verdict.textContent()).trim(),
    verdictClass: await verdict.getAttribute("class"),
    flagged: await page.locator("svg g.flagged").count(),
    clear: await page.locator("svg g.clear").count(),
    findings: await page.$$eval("tr.finding", (rows) => rows.map((r) => r.innerText)),
    outside,
  };
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
