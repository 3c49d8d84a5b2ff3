// The tip form when the node asks for proof of work: with JavaScript on, the page's own
// script (same origin) does the work and the report goes through; with JavaScript off,
// the page says why it cannot be sent now.
//
//   node tip_form_work.mjs http://127.0.0.1:PORT
//
// Prints one JSON line: what each browser saw.
import { chromium } from "playwright-core";

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const off = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await off.goto(`${base}/tips/report`);
  const busy = (await off.textContent(".busy")) || "";

  const page = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/tips/report`);
  const bits = await page.getAttribute("form[data-bits]", "data-bits");
  await page.check("input[name=danger][value=no]");
  await page.fill("#description", "Sent with the browser doing the work.");
  await Promise.all([page.waitForURL(`${base}/tips/report`, { waitUntil: "load" }), page.click("button[type=submit]")]);
  await page.waitForSelector("#receipt-code li", { timeout: 60000 });
  const words = await page.$$eval("#receipt-code li", (els) => els.map((e) => e.textContent.trim()));
  console.log(JSON.stringify({ busy, bits, title: await page.textContent("h1"), words, outside, errors }));
} finally {
  await browser.close();
}
process.exit(0);
