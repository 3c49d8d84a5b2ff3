// Works the public tip form in headless Debian chromium with JavaScript DISABLED, as a
// reporter on Tor Browser's safest setting would.
//
//   node tip_form.mjs http://127.0.0.1:PORT PHOTO.jpg PROOF_OUT.json
//
// Sends a distinctive user agent and X-Forwarded-For/X-Real-IP headers (which the caller
// then searches for in everything the node wrote). Steps, each answered by one JSON line:
//   1. the form in Spanish, then in Thai (headings), then in English: fill in, attach the
//      photo, send; prints {"code", "recorded", ...}.
//   2. reads {"reply"} on standard input (the agency answered meanwhile), comes back with
//      the code, checks the reply is shown, adds information, downloads the proof of
//      receipt; prints what it saw.
import { chromium } from "playwright-core";
import readline from "node:readline";

const [base, photo, proofOut] = process.argv.slice(2);
export const USER_AGENT = "UnchainTipTester/7.0 (secret-agent-4421)";
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    acceptDownloads: true,
    userAgent: USER_AGENT,
    extraHTTPHeaders: { "X-Forwarded-For": "198.51.100.77", "X-Real-IP": "198.51.100.77" },
  });
  const page = await context.newPage();
  const outside = [];
  const cookies = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
  page.on("response", async (r) => {
    const c = await r.headerValue("set-cookie");
    if (c) cookies.push(c);
  });
  const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

  await page.goto(`${base}/tips/report?lang=es`);
  const spanish = await page.textContent("h1");
  await page.click("a[lang=th]");
  const thai = await page.textContent("h1");
  const thaiLang = await page.getAttribute("html", "lang");
  await page.click("a[lang=en]");
  const english = await page.textContent("h1");
  const emergency = await page.textContent(".emergency");
  await page.check("input[name=seen][value=forced_work]");
  await page.check("input[name=seen][value=documents_taken]");
  await page.fill("#location", "Fishing pier 9, Samut Sakhon");
  await page.fill("#when", "Every night this month");
  await page.check("input[name=danger][value=yes]");
  await page.fill("#description", "Twelve men sleep locked in the hold of the blue trawler Sea Star 7.");
  await page.fill("#contacts", "+66 81 234 5678");
  await page.setInputFiles("#files", photo);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const words = await texts("#receipt-code li");
  console.log(JSON.stringify({
    spanish, thai, thaiLang, english, emergency,
    title: await page.textContent("h1"),
    code: words.join(" "),
    recorded: await page.textContent(".recorded"),
  }));

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const { reply } = JSON.parse(line);
    await page.goto(`${base}/tips/report/return?lang=en`);
    await page.fill("#code", words.map((w, i) => `${i + 1}. ${w.toUpperCase()}`).join("\n"));
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    const agency = await texts("article.agency .text");
    await page.fill("#text", "Two of the men are 15 years old.");
    await Promise.all([page.waitForNavigation(), page.click("form[action$='/more'] button[type=submit]")]);
    const notice = await page.textContent(".notice");
    const mine = await texts("article.mine .text");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("form[action$='/receipt'] button[type=submit]"),
    ]);
    await download.saveAs(proofOut);
    console.log(JSON.stringify({
      expected: reply, agency, notice, mine, state: await page.textContent(".state"),
      saved: proofOut, outside, cookies,
    }));
    break;
  }
} finally {
  await browser.close();
}
process.exit(0);
