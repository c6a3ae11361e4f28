/**
 * The checkout page's stylesheet and script, served from the processor itself (the page's
 * CSP allows nothing else). Kept as strings so `deno compile` embeds them.
 *
 * The script only keeps a server-rendered page live: it polls `GET /pay/{uuid}/status`
 * (every second while open, backing off on errors, so a processor restart is just a few
 * failed polls), runs the countdown on the server's clock, shows local times, and copies.
 *
 * @module
 */

/** `/pay/assets/checkout.css`. Colours meet WCAG AA contrast on white. */
export const CHECKOUT_CSS: string = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#111827;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:30rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}
h1{font-size:1.5rem;margin:.25rem 0;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:0}
p{margin:.5rem 0}
.langs{text-align:right;font-size:.875rem}
.shop,.network,.hint{color:#374151}
.status{border:2px solid #d1d5db;border-radius:.5rem;padding:.75rem;margin:1rem 0}
[data-state=paid] .status,[data-state=paid_over] .status,[data-state=refunded] .status{border-color:#047857;background:#ecfdf5}
[data-state=underpaid] .status,[data-state=confirming] .status,[data-state=seen] .status{border-color:#b45309;background:#fffbeb}
[data-state=expired] .status,[data-state=cancelled] .status,[data-state=failed] .status,[data-state=wrong_amount] .status{border-color:#b91c1c;background:#fef2f2}
.qr{display:block;width:min(264px,100%);height:auto;margin:0 auto 1rem;image-rendering:pixelated}
dl{margin:0}
.row{margin:0 0 .75rem}
dt{font-weight:600}
dd{margin:0;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
.value{font:1rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-all;min-width:0}
dd code.value{flex:1 1 12rem}
dd code#amount{flex:0 1 auto}
.unit{flex:1 1 auto}
.warning{border-left:4px solid #b45309;background:#fffbeb;padding:.5rem .75rem;color:#78350f}
button,.button{font:inherit;cursor:pointer;border-radius:.375rem;min-height:2.75rem;padding:.5rem 1rem}
button{background:#fff;color:#1d4ed8;border:2px solid #1d4ed8}
.button{display:block;text-align:center;text-decoration:none;background:#1d4ed8;color:#fff;border:0;margin:1rem 0 0}
a{color:#1d4ed8}
a:focus-visible,button:focus-visible{outline:3px solid #111827;outline-offset:2px}
.offline{color:#b91c1c}
[hidden]{display:none!important}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`.trim();

/** `/pay/assets/checkout.js`. Plain ES2020, no dependencies. */
export const CHECKOUT_JS: string = `
"use strict";
(() => {
  const root = document.getElementById("checkout");
  if (!root || !root.dataset.uuid) return;
  const $ = (id) => document.getElementById(id);
  const lang = document.documentElement.lang;
  let expires = Number(root.dataset.expires);
  let skew = Number(root.dataset.now) - Date.now();
  let final = root.dataset.final === "true";
  let uri = $("wallet") ? $("wallet").getAttribute("href") : "";
  let failures = 0;

  const local = (d) => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(d);
  const showExpires = () => {
    const t = $("expires");
    t.dateTime = new Date(expires).toISOString();
    t.textContent = local(new Date(expires));
  };
  const two = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const left = Math.max(0, expires - (Date.now() + skew));
    const s = Math.floor(left / 1000);
    $("timer").textContent = left === 0 ? root.dataset.timeUp
      : (s >= 3600 ? Math.floor(s / 3600) + ":" : "") + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  };

  const apply = (s) => {
    root.dataset.state = s.state;
    $("status-title").textContent = s.title;
    $("status-detail").textContent = s.detail;
    const tx = $("tx-link");
    if (s.txHash) {
      tx.textContent = "";
      if (s.explorerTxUrl) {
        const a = document.createElement("a");
        a.href = s.explorerTxUrl; a.rel = "noopener noreferrer"; a.target = "_blank";
        a.textContent = s.txHash; tx.append(a);
      } else tx.textContent = s.txHash;
    }
    $("tx").hidden = !s.txHash;
    final = s.final;
    $("pay").hidden = !s.showPay;
    $("countdown").hidden = final;
    const back = $("back");
    if (final && s.returnUrl) { back.href = s.returnUrl; back.hidden = false; } else back.hidden = true;
    const amount = $("amount-copy");
    if (amount) {
      amount.dataset.copy = s.due;
      $("amount").textContent = s.dueText;
      $("amount-label").textContent = s.dueLabel;
    }
    if (s.paymentUri !== uri) {
      uri = s.paymentUri;
      $("wallet").href = uri;
      $("qr").src = "/pay/" + root.dataset.uuid + "/qr.svg?lang=" + lang + "&t=" + Date.now();
    }
    expires = Date.parse(s.expiresAt);
    skew = Date.parse(s.now) - Date.now();
  };

  const poll = async () => {
    const started = Date.now();
    try {
      const r = await fetch("/pay/" + root.dataset.uuid + "/status?lang=" + lang, { cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      apply(await r.json());
      failures = 0;
      $("offline").hidden = true;
    } catch {
      failures++;
      if (failures >= 3) $("offline").hidden = false;
    }
    // Once a second from start to start while open (a slow answer does not stretch the
    // cadence); backing off while the processor is unreachable; a final deposit can still be
    // refunded, so now and then after.
    const every = final ? 5000 : Math.min(1000 * 2 ** Math.max(0, failures - 2), 5000);
    setTimeout(poll, Math.max(100, every - (Date.now() - started)));
  };

  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-copy]");
    if (!b) return;
    try {
      await navigator.clipboard.writeText(b.dataset.copy);
    } catch {
      // No clipboard permission: select the value so the customer can copy it by hand.
      const range = document.createRange();
      range.selectNodeContents($(b.dataset.for));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    b.textContent = root.dataset.copied;
    $("copied").textContent = root.dataset.copied;
    setTimeout(() => { b.textContent = root.dataset.copy; $("copied").textContent = ""; }, 2000);
  });

  showExpires();
  tick();
  setInterval(tick, 1000);
  setTimeout(poll, 1000);
})();
`.trim();
