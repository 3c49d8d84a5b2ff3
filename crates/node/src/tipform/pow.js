// Proof of work for the tip form, only when the node asks for it (data-bits > 0) because
// many reports are arriving. Without JavaScript the form still works whenever the node is
// calm. Nothing here talks to anyone but this page's own server.
"use strict";
(function () {
  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { n++; b <<= 1; }
      return n;
    }
    return n;
  }
  async function solve(token, bits) {
    var enc = new TextEncoder();
    for (var i = 0; ; i++) {
      var d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(token + ":" + i)));
      if (zeroBits(d) >= bits) return String(i);
    }
  }
  document.querySelectorAll("form[data-bits]").forEach(function (form) {
    var bits = parseInt(form.getAttribute("data-bits"), 10) || 0;
    if (bits === 0 || !window.crypto || !crypto.subtle) return;
    var busy = form.querySelector(".working");
    form.addEventListener("submit", function (ev) {
      var pow = form.querySelector("input[name=pow]");
      if (pow.value) return;
      ev.preventDefault();
      if (busy) busy.hidden = false;
      solve(form.querySelector("input[name=token]").value, bits).then(function (p) {
        pow.value = p;
        form.submit();
      });
    });
  });
})();
