// Works the worker pages in headless Debian chromium with JavaScript DISABLED, as a worker on
// a cheap phone would, in Arabic (right to left) and Nepali.
//
//   node worker_pages.mjs http://127.0.0.1:PORT EMPLOYER SCREENSHOT_DIR
//
// Sends a distinctive user agent and X-Forwarded-For/X-Real-IP headers (which the caller
// then searches for in everything the node wrote). Steps, each answered by one JSON line:
//   1. the start page in Arabic (direction, headings), the grievance form in Arabic, then in
//      Nepali: choose the employer, tick two problems, write, send; prints the receipt code.
//   2. reads a line on standard input (the employer answered meanwhile), comes back with the
//      code in Nepali, reads the promised remedies, says it was NOT put right; prints what
//      it saw before and after.
//   3. answers the survey in Arabic (with the fee paid, in rupees); then runs axe-core (WCAG 2.1 A/AA) on every worker
//      page in English, Arabic and Nepali, in a second context with JavaScript on (axe is a
//      script); prints the violations.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import readline from "node:readline";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const [base, employer, shots] = process.argv.slice(2);
export const USER_AGENT = "UnchainWorkerTester/3.1 (phone-of-worker-7731)";
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise((resolve) => lines.once("line", resolve));
try {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    userAgent: USER_AGENT,
    viewport: { width: 412, height: 860 },
    extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.91", "X-Real-IP": "198.51.100.91" },
  });
  const page = await context.newPage();
  const outside = [];
  const cookies = [];
  const scripts = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(base)) outside.push(r.url());
    if (r.resourceType() === "script") scripts.push(r.url());
  });
  page.on("response", async (r) => {
    const c = await r.headerValue("set-cookie");
    if (c) cookies.push(c);
  });
  const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));
  const direction = () => page.$eval("body", (b) => getComputedStyle(b).direction);

  // 1. Arabic, then Nepali.
  await page.goto(`${base}/work?lang=ar`);
  const ar = {
    lang: await page.getAttribute("html", "lang"),
    dir: await page.getAttribute("html", "dir"),
    direction: await direction(),
    h1: (await page.textContent("h1")).trim(),
    links: await texts("ul.choices a"),
  };
  await page.screenshot({ path: `${shots}/worker-ar.png`, fullPage: true });
  await page.click("ul.choices li:nth-child(2) a");
  ar.grievanceH1 = (await page.textContent("h1")).trim();
  await page.screenshot({ path: `${shots}/worker-grievance-ar.png`, fullPage: true });
  await page.click("a[lang=ne]");
  const ne = {
    lang: await page.getAttribute("html", "lang"),
    dir: await page.getAttribute("html", "dir"),
    direction: await direction(),
    h1: (await page.textContent("h1")).trim(),
  };
  await page.selectOption("#employer", employer);
  await page.check("input[name=problem][value=retention_of_identity_documents]");
  await page.check("input[name=problem][value=withholding_of_wages]");
  await page.fill("#words", "Supervisor Bikram keeps all twelve passports in the site office safe.");
  await page.screenshot({ path: `${shots}/worker-grievance-ne.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const words = await texts("#receipt-code li");
  ne.receiptH1 = (await page.textContent("h1")).trim();
  console.log(JSON.stringify({ step: 1, ar, ne, code: words.join(" ") }));

  // 2. The employer answered: back with the code, in Nepali.
  await nextLine();
  await page.goto(`${base}/work/return?lang=ne`);
  await page.fill("#code", words.join(" ").toUpperCase());
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const before = {
    h1: (await page.textContent("h1")).trim(),
    state: await texts(".state"),
    remedies: await texts("main ul li"),
  };
  await page.screenshot({ path: `${shots}/worker-status-ne.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("button[name=remedied][value=no]")]);
  const after = { notice: await texts(".notice"), state: await texts(".state"), reason: await texts(".state + p") };
  // A wrong code opens nothing and says so.
  await page.goto(`${base}/work/return?lang=ne`);
  await page.fill("#code", "not a code at all");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const wrong = await texts(".errors");
  console.log(JSON.stringify({ step: 2, before, after, wrong }));

  // 3. The survey in Arabic, then axe on every page.
  await page.goto(`${base}/work/survey?lang=ar`);
  await page.selectOption("#employer", employer);
  for (const q of ["own-passport", "paid-in-full", "free-to-leave", "as-promised"]) {
    await page.check(`input[name=q-${q}][value=no]`);
  }
  for (const q of ["paid-fee", "more-hours"]) {
    await page.check(`input[name=q-${q}][value=yes]`);
  }
  // How much, in the worker's own currency; the agency left unnamed.
  await page.fill("#fee-amount", "150000.00");
  await page.selectOption("#fee-currency", "NPR");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const survey = { status: await texts("[role=status]"), dir: await page.getAttribute("html", "dir") };
  const a11y = [];
  const axeContext = await browser.newContext({ bypassCSP: true, viewport: { width: 412, height: 860 } });
  const ap = await axeContext.newPage();
  for (const path of ["/work", "/work/grievance", "/work/survey", "/work/return", "/work/offer"]) {
    for (const lang of ["en", "ar", "ne"]) {
      await ap.goto(`${base}${path}?lang=${lang}`);
      await ap.addScriptTag({ path: axePath });
      const result = await ap.evaluate(() => axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      }));
      for (const v of result.violations) a11y.push({ path, lang, rule: v.id, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) });
    }
  }
  console.log(JSON.stringify({ step: 3, survey, a11y, outside, cookies, scripts }));
} finally {
  lines.close();
  await browser.close();
}
