// Drives the node's /border page in headless Debian chromium, as a border officer would.
//
//   node border_page.mjs http://127.0.0.1:PORT
//
// Prints {"nonce": …} (the page's nonce for the wallets), then for each JSON line on
// standard input ({"token", "child", "adult", "aud", "nonce"}) enters the officer's token
// and the nonce, pastes both presentations, submits the form (the page has no script),
// and prints the verdict page as one JSON line: headline, reasons, meta, the verdict box's
// class, the next form's nonce, any request to another host, and whether any script ran.
import { chromium } from "playwright-core";
import readline from "node:readline";

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ javaScriptEnabled: false });
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
  await page.goto(`${base}/border`);
  console.log(JSON.stringify({ nonce: await page.inputValue("#nonce") }));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const req = JSON.parse(line);
    await page.fill("#token", req.token);
    await page.fill("#aud", req.aud);
    await page.fill("#nonce", req.nonce);
    await page.fill("#child", req.child);
    await page.fill("#adult", req.adult);
    await Promise.all([page.waitForNavigation(), page.click("#check")]);
    console.log(JSON.stringify({
      headline: await page.textContent("#headline"),
      reasons: await page.$$eval("#reasons li", (els) => els.map((e) => e.textContent)),
      meta: await page.textContent("#meta"),
      class: await page.getAttribute("#verdict", "class"),
      nonce: await page.inputValue("#nonce"),
      outside,
    }));
  }
} finally {
  await browser.close();
}
