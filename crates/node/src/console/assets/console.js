// Progressive enhancement for the Unchain console; every page works without it.
// A file chosen for evidence is hashed here, in the browser (SHA-256 with WebCrypto):
// the file itself is never sent.
"use strict";
document.addEventListener("change", async (ev) => {
  const input = ev.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.hashInto || !input.files?.length) {
    return;
  }
  const target = document.getElementById(input.dataset.hashInto);
  if (!target || !window.crypto?.subtle) return;
  const bytes = await input.files[0].arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  target.value = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
});

// Automatic logout: a minute before the session's idle time ends, say so and offer to stay
// signed in; when it ends, go to the login page so that nothing stays on the screen. The
// server ends the session either way.
(() => {
  const body = document.body;
  const idle = Number(body?.dataset.idleS || 0);
  if (!idle) return;
  let warnTimer, outTimer, box;
  const out = () => { window.location.assign("/console/login?idle=1"); };
  const warn = () => {
    box = document.createElement("div");
    box.className = "idle-warning";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-live", "assertive");
    const p = document.createElement("p");
    p.textContent = body.dataset.idleWarning || "";
    const stay = document.createElement("button");
    stay.type = "button";
    stay.textContent = body.dataset.idleStay || "OK";
    stay.addEventListener("click", async () => {
      const r = await fetch("/console/keepalive", { credentials: "same-origin" });
      if (r.status === 204) { box.remove(); arm(); } else { out(); }
    });
    box.append(p, stay);
    body.prepend(box);
    stay.focus();
  };
  const arm = () => {
    clearTimeout(warnTimer); clearTimeout(outTimer);
    warnTimer = setTimeout(warn, Math.max(0, idle - 60) * 1000);
    outTimer = setTimeout(out, idle * 1000);
  };
  arm();
})();
