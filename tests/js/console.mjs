// Works the agency console in headless Debian chromium, as the people of three agencies
// would, for crates/cli/tests/console.rs:
//
//   node console.mjs CONFIG.json
//
// CONFIG names the three consoles (dsi, mp, gb), the users (anna: investigator and carl:
// custodian at dsi, mia: investigator and custodian at mp, gus: investigator at gb), the
// case id, the evidence file, and the folders for screenshots and downloads. Prints one
// JSON object of what each person saw; the Rust test judges it.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const seen = { outside: [], errors: [] };
const browser = await chromium.launch({
  executablePath: process.env.UNCHAIN_CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

const hosts = [cfg.dsi, cfg.mp, cfg.gb];
async function person(base, user, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: "en-GB" });
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!hosts.some((h) => r.url().startsWith(h)) && !r.url().startsWith("data:")) seen.outside.push(r.url());
  });
  // Refusals and pages not there yet are answers the test expects; anything else logged
  // as an error (a script error, a content-security-policy violation) is a failure.
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of 40[34]/.test(m.text())) {
      seen.errors.push(`${user.user}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => seen.errors.push(`${user.user}: ${e.message}`));
  await page.goto(`${base}/console`);
  await page.fill("#user", user.user);
  await page.fill("#password", user.password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click("button[type=submit]")]);
  return { context, page, base };
}

const shot = (page, name, fullPage = true) => page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage });
const flash = async (page) => (await page.locator("main .notice").allTextContents()).join(" | ");
const caseUrl = (base) => `${base}/console/case?id=${encodeURIComponent(cfg.case)}`;

// Reloads `url` until `selector` appears (a follower catching up, a ciphertext arriving).
async function until(page, url, selector, seconds = 60, click = null) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    await page.goto(url);
    if (click && await page.locator(click).count() > 0) {
      await page.click(click);
    }
    if (await page.locator(selector).count() > 0) return;
    if (Date.now() > deadline) throw new Error(`${selector} did not appear at ${url}`);
    await page.waitForTimeout(1000);
  }
}

try {
  // The login page, before anyone signs in.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${cfg.dsi}/console`);
    seen.login_url = page.url();
    await shot(page, "login");
    await context.close();
  }

  // Someone reports through th-dsi's public tip form (JavaScript off, no account).
  {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${cfg.dsi}/tips/report?lang=en`);
    await page.check("input[name=seen][value=forced_work]");
    await page.fill("#location", "Fishing pier 9, Samut Sakhon");
    await page.fill("#when", "Every night this month");
    await page.check("input[name=danger][value=yes]");
    await page.fill("#description", cfg.tip);
    await page.fill("#contacts", `${cfg.phone}\nthe boat captain`);
    await page.setInputFiles("#files", cfg.leaflet);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    await context.close();
  }

  // Anna, investigator at th-dsi: opens a case over sealed details, adds to them, opens
  // them, shares the case with my-police, and records and hands over a seized phone.
  const anna = await person(cfg.dsi, cfg.anna);
  let p = anna.page;
  seen.anna_who = await p.textContent(".who");
  await shot(p, "dashboard");
  seen.tips_tile = await p.textContent("#tile-tips .count");

  // The tip: opened (and logged), triaged with ILO indicators, answered.
  await p.goto(`${cfg.dsi}/console/tips`);
  await p.click("#tips tbody tr:first-child a");
  seen.tip_url = new URL(p.url()).pathname + new URL(p.url()).search;
  await p.click("#open-tip");
  seen.tip_opened = await p.textContent("#tip-messages");
  const [tipFile] = await Promise.all([p.waitForEvent("download"), p.click("ul.files a")]);
  await tipFile.saveAs(`${cfg.downloads}/tip-file.pdf`);
  await p.selectOption("#priority", "immediate");
  await p.selectOption("#category", "forced_labour");
  await p.check("input[name=indicator][value=restriction_of_movement]");
  await p.check("input[name=indicator][value=isolation]");
  await p.click("#triage");
  seen.triage_flash = await flash(p);
  seen.tip_priority = await p.textContent("#tip-priority");
  await p.fill("#text", "Thank you. Officers are on their way. Can you say which berth?");
  await p.click("#reply");
  seen.reply_flash = await flash(p);
  await p.click("#open-tip");
  seen.tip_after_reply = await p.textContent("#tip-messages");
  await shot(p, "tip");
  await p.click("#convert");
  seen.converted_flash = await flash(p);
  seen.converted_status = await p.textContent("#case-status");
  await p.click("#open-details");
  seen.converted_details = await p.textContent("#sealed-details");
  await p.click("nav.menu a[href='/console/cases']");
  await p.click("#new-case");
  await p.fill("#case", cfg.case);
  await p.selectOption("#kind", "investigation");
  await p.fill("#summary", cfg.summary);
  await p.fill("#first_name", "Somchai");
  await p.fill("#birthdate", "1994-03-07");
  await p.fill("#phone", cfg.phone);
  await shot(p, "case-new");
  await p.click("#create-case");
  seen.opened_flash = await flash(p);
  seen.case_status = await p.textContent("#case-status");

  await p.click("text=Add to the sealed details");
  await p.fill("#note", cfg.note);
  await p.click("#attach");
  seen.attached_flash = await flash(p);

  await p.click("#open-details");
  seen.anna_details = await p.textContent("#sealed-details");
  await shot(p, "case-opened");

  await p.goto(caseUrl(cfg.dsi));
  await p.selectOption("#to", "my-police");
  await p.fill("#purpose", "joint investigation of a recruitment network");
  await p.selectOption("#legal_basis", "public_task");
  await p.selectOption("#reason", "MigrationOrChangeOfLocation");
  await p.click("#share");
  seen.shared_flash = await flash(p);
  seen.referred = await p.textContent("#case-referred");

  // Evidence: the file is hashed in the browser, never sent.
  await p.goto(`${cfg.dsi}/console/custody?case=${encodeURIComponent(cfg.case)}`);
  const evidence = readFileSync(cfg.evidence);
  seen.evidence_sha256 = createHash("sha256").update(evidence).digest("hex");
  await p.setInputFiles("#file", cfg.evidence);
  await p.waitForFunction(() => document.getElementById("content_hash").value.length === 64);
  seen.hashed_in_browser = await p.inputValue("#content_hash");
  await p.fill("#description", "Recruiter's phone, seized at the agency office");
  await p.fill("#location", "DSI evidence room 2, Bangkok");
  await p.fill("#reason", "seized under warrant");
  await p.click("#collect-submit");
  seen.collected_flash = await flash(p);
  seen.item_url = p.url();
  await p.selectOption("#to", "my-police");
  await p.fill("#to_actor", cfg.mia.id);
  await p.fill("#location", "DSI evidence room 2, Bangkok");
  await p.fill("#reason", "hand-over for forensic extraction");
  await p.click("#transfer");
  seen.transfer_flash = await flash(p);
  seen.status_after_transfer = await p.textContent("#item-status");
  await shot(p, "custody-transfer");

  // Mia, at my-police's own node: the referral and the hand-over are waiting for her.
  const mia = await person(cfg.mp, cfg.mia);
  p = mia.page;
  await until(p, `${cfg.mp}/console`, "#referrals li");
  seen.mia_referrals = await p.textContent("#referrals");
  seen.mia_tiles = await p.textContent(".tiles");
  await shot(p, "dashboard-referred");
  await until(p, caseUrl(cfg.mp), "#sealed-details", 60, "#open-details");
  seen.mia_details = await p.textContent("#sealed-details");
  await shot(p, "case-shared");
  const itemPath = new URL(seen.item_url).pathname;
  await until(p, `${cfg.mp}${itemPath}`, "#receive");
  await p.fill("#location", "Royal Malaysia Police forensic lab, Kuala Lumpur");
  await p.fill("#reason", "received for forensic extraction");
  await p.click("#receive");
  seen.receive_flash = await flash(p);
  seen.status_after_receive = await p.textContent("#item-status");
  seen.holder_after_receive = await p.textContent("#item-holder");
  // A seal without its number is refused, naming the field; an analysis is recorded.
  await p.selectOption("#action", "seal");
  await p.fill("#ev-location", "Forensic lab");
  await p.fill("#ev-reason", "sealed after intake");
  await p.click("#record-event");
  seen.seal_refused = await flash(p);
  await p.selectOption("#action", "analyse");
  await p.fill("#ev-method", "logical extraction of messages and contacts");
  await p.fill("#ev-location", "Royal Malaysia Police forensic lab, Kuala Lumpur");
  await p.fill("#ev-reason", "identify the recruiters' network");
  await p.click("#record-event");
  seen.analysed_flash = await flash(p);
  seen.custody_picture = await p.locator("#custody-picture desc").textContent();
  await shot(p, "custody-received");
  const [download] = await Promise.all([p.waitForEvent("download"), p.click("#bundle")]);
  await download.saveAs(`${cfg.downloads}/custody-bundle.json`);
  seen.bundle_saved = true;
  const [report] = await Promise.all([p.waitForEvent("download"), p.click("#report")]);
  await report.saveAs(`${cfg.downloads}/custody-report.html`);
  await mia.context.close();

  // Carl, custodian at th-dsi: may handle evidence, may not read sealed content. The
  // page offers him no button; a forged request is refused and logged.
  const carl = await person(cfg.dsi, cfg.carl);
  p = carl.page;
  await p.goto(caseUrl(cfg.dsi));
  seen.carl_sees_open_button = await p.locator("#open-details").count();
  const csrf = await p.inputValue("form.logout input[name=csrf]");
  const forged = await p.request.post(`${cfg.dsi}/console/case/open`, {
    form: { csrf, id: cfg.case },
    headers: { Origin: cfg.dsi },
  });
  seen.carl_open_status = forged.status();
  seen.carl_open_text = await forged.text();
  await carl.context.close();

  // Gus, investigator at gb-other, which the case was never shared with.
  const gus = await person(cfg.gb, cfg.gus);
  p = gus.page;
  await until(p, caseUrl(cfg.gb), "#open-details");
  const [resp] = await Promise.all([p.waitForResponse((r) => r.url().endsWith("/console/case/open")), p.click("#open-details")]);
  seen.gus_open_status = resp.status();
  seen.gus_open_text = await p.textContent("main");
  seen.gus_sees_details = await p.locator("#sealed-details").count();
  await gus.context.close();

  // Anna again: the audit trail shows Carl's refused attempt; the ledger, alerts and the
  // other languages, for the screenshots.
  p = anna.page;
  await p.goto(caseUrl(cfg.dsi));
  seen.audit_rows = await p.locator("#audit-reads tbody tr").allTextContents();
  seen.links = await p.locator("#links-picture desc").textContent();
  await shot(p, "case-audit");
  // Money flows: a bank export scanned in the console, progress, then alerts with graphs.
  await p.goto(`${cfg.dsi}/console/money`);
  await p.setInputFiles("#export", cfg.transactions);
  await p.click("#scan");
  await p.waitForSelector("#scan-alerts", { timeout: 120000 });
  seen.money_payments = await p.textContent("#scan-payments");
  seen.money_alerts = await p.textContent("#scan-alerts");
  seen.money_graphs = await p.locator("section.alert svg").count();
  seen.money_detectors = await p.locator("#by-detector tbody tr").count();
  await shot(p, "money-flows", false);
  await p.goto(`${cfg.dsi}/console/ledger`);
  seen.ledger_height = await p.textContent("#ledger-height");
  await shot(p, "ledger");
  await p.goto(caseUrl(cfg.dsi));
  await p.click("ol.timeline li:first-child a");
  seen.tx_status = await p.textContent("#tx-status");
  seen.tx_proof = await p.locator("#proof-h").count();
  await shot(p, "transaction");
  await p.goto(`${cfg.dsi}/console/identity`);
  seen.identity_title = await p.textContent("h1");
  await shot(p, "identity");
  await p.goto(`${cfg.dsi}/console/alerts`);
  await shot(p, "alerts");
  await p.goto(`${cfg.dsi}/console?lang=es`);
  seen.es_title = await p.textContent("h1");
  await shot(p, "dashboard-es");
  await p.goto(`${cfg.dsi}/console/cases?lang=th`);
  seen.th_title = await p.textContent("h1");
  seen.th_lang = await p.getAttribute("html", "lang");
  await shot(p, "cases-th");
  // A tablet.
  await p.setViewportSize({ width: 768, height: 1024 });
  await p.goto(`${cfg.dsi}/console/cases?lang=en`);
  await p.fill("#q", "investig");
  await p.waitForTimeout(800);
  seen.search_rows = await p.locator("#cases-table tbody tr").count();
  await shot(p, "cases-tablet");
  // Keyboard: the first Tab reaches the skip link, and it leads to the main content.
  await p.goto(`${cfg.dsi}/console/cases`);
  await p.keyboard.press("Tab");
  seen.first_tab = await p.evaluate(() => document.activeElement?.className);
  await p.keyboard.press("Enter");
  seen.after_skip = await p.evaluate(() => document.activeElement?.id);
  // Accessibility: axe-core's WCAG 2.1 A and AA rules (labels, names, contrast,
  // landmarks, language) on every main page, in English and Thai. axe is injected, so
  // this context alone bypasses the content security policy.
  {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const audit = async (path) => {
      await page.goto(`${cfg.dsi}${path}`);
      await page.addScriptTag({ path: axePath });
      const result = await page.evaluate(() => axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      }));
      for (const v of result.violations) {
        seen.a11y.push({ path, rule: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) });
      }
      seen.a11y_pages += 1;
    };
    seen.a11y = [];
    seen.a11y_pages = 0;
    await audit("/console/login");
    await page.fill("#user", cfg.anna.user);
    await page.fill("#password", cfg.anna.password);
    await Promise.all([page.waitForURL(`${cfg.dsi}/console`), page.click("button[type=submit]")]);
    const item = new URL(seen.item_url).pathname;
    for (const path of ["/console", "/console/cases", "/console/cases/new",
      `/console/case?id=${encodeURIComponent(cfg.case)}`, "/console/custody", item,
      "/console/alerts", "/console/tips", "/console/money", "/console/identity", seen.tip_url,
      "/console/ledger", "/console/cases?lang=th", `/console/case?id=${encodeURIComponent(cfg.case)}&lang=es`]) {
      await audit(path);
    }
    // The idle warning, a minute before the session would end (the page's clock is
    // fast-forwarded; the server's is not, so staying signed in works).
    await page.clock.install();
    await page.goto(`${cfg.dsi}/console/cases?lang=en`);
    await page.clock.fastForward("14:01");
    await page.waitForSelector(".idle-warning");
    seen.idle_warning = await page.textContent(".idle-warning");
    seen.idle_focus = await page.evaluate(() => document.activeElement?.textContent);
    const [keep] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/console/keepalive")),
      page.click(".idle-warning button"),
    ]);
    seen.keepalive = keep.status();
    await page.waitForSelector(".idle-warning", { state: "detached" });
    await context.close();
  }
  await p.click("button:has-text('Sign out')");
  seen.after_logout = p.url();
  await p.goto(`${cfg.dsi}/console/cases`);
  seen.after_logout_cases = p.url();
  await anna.context.close();
} catch (e) {
  seen.failure = String(e && e.stack || e);
} finally {
  await browser.close();
  console.log(JSON.stringify(seen));
}
