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
