// The /border page's script (served from the node: the page's CSP allows nothing else).
const $ = (id) => document.getElementById(id);
function newNonce() {
  const b = new Uint8Array(12); crypto.getRandomValues(b);
  $("nonce").value = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
const HEADLINES = { valid: "VALID", invalid_signature: "INVALID SIGNATURE", revoked: "REVOKED",
  expired: "EXPIRED", not_a_guardian: "NOT A GUARDIAN", child_missing: "CHILD FLAGGED MISSING",
  not_proven: "NOT PROVEN" };
function show(kind, headline, reasons, meta) {
  const v = $("verdict"); v.style.display = "block"; v.className = kind;
  $("headline").textContent = headline;
  const ul = $("reasons"); ul.replaceChildren();
  for (const r of reasons) { const li = document.createElement("li"); li.textContent = r; ul.append(li); }
  $("meta").textContent = meta || "";
}
$("check").addEventListener("click", async () => {
  const body = { child: $("child").value.trim(), adult: $("adult").value.trim(), aud: $("aud").value.trim(), nonce: $("nonce").value };
  try {
    const headers = { "content-type": "application/json" };
    const token = $("token").value.trim();
    if (token) headers["authorization"] = "Bearer " + token;
    const res = await fetch("/v1/border/check", { method: "POST", headers, body: JSON.stringify(body) });
    const data = await res.json();
    if (!res.ok) { show("warn", "COULD NOT CHECK", [data.detail || res.statusText]); return; }
    const age = Math.round(data.bundle.age_ms / 60000);
    const who = [data.relationship && ("relationship: " + data.relationship), data.child_issuer && ("child registered by " + data.child_issuer)].filter(Boolean).join(" · ");
    show(data.verdict === "valid" ? "valid" : "stop", HEADLINES[data.verdict] || data.verdict, data.reasons,
      (who ? who + " · " : "") + "trust data: log size " + data.bundle.tree_size + ", " + age + " min old");
  } catch (e) {
    show("warn", "COULD NOT CHECK", [String(e)]);
  } finally {
    newNonce(); // a nonce serves one check, whatever its outcome
  }
});
newNonce();
