/* Kavshiri chat widget. One tag puts it on a page:
 *   <script src="https://KAVSHIRI/widget.js" data-agency="mia" data-lang="ka" async></script>
 * It lives in a shadow DOM, so the page's styles cannot reach it, and it sets every piece
 * of message text with textContent, so no message can inject markup into the page.
 * Messages typed while offline wait in localStorage and are sent once on reconnect (the server
 * drops a resent id). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kavshiriWidget) return;
  window.__kavshiriWidget = true;

  var base = new URL(script.src, location.href);
  var agency = script.getAttribute("data-agency") || "";
  var storeKey = "kavshiri:" + base.origin + ":" + agency;
  var saved = load();
  var lang = saved.lang || (script.getAttribute("data-lang") === "en" ? "en" : "ka");
  var ui = null, ws = null, retry = 0, connected = false, retryTimer = null;
  var IDLE = 4000;  // the server's close code for a socket left silent (api/widget.py)
  var el = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(saved)); } catch (e) { /* private mode: memory only */ }
  }
  saved.queue = saved.queue || [];

  function t(key, params) {
    var text = (ui && ui[lang] && ui[lang][key]) || "";
    Object.keys(params || {}).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }

  function make(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI','Noto Sans Georgian',sans-serif}",
    ".launch{position:fixed;right:16px;bottom:16px;width:60px;height:60px;border-radius:50%;border:0;",
    "background:#0b4f9c;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);display:flex;",
    "align-items:center;justify-content:center}",
    ".launch svg{width:30px;height:30px;fill:currentColor}",
    "button:focus-visible,textarea:focus-visible,.log:focus-visible{outline:3px solid #f2b705;outline-offset:2px}",
    ".panel{position:fixed;right:16px;bottom:88px;width:380px;max-width:calc(100vw - 16px);height:600px;",
    "max-height:calc(100vh - 104px);background:#fff;color:#1b1b1b;border-radius:12px;display:flex;",
    "flex-direction:column;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden;font-size:15px;line-height:1.45}",
    ".panel[hidden]{display:none}",
    "header{background:#0b4f9c;color:#fff;padding:10px 12px;display:flex;align-items:center;gap:8px}",
    "h2{font-size:16px;margin:0;flex:1;font-weight:600}",
    ".langs{display:flex;gap:4px}",
    "header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:6px;padding:4px 8px;",
    "cursor:pointer;font-size:13px;min-height:32px;min-width:32px}",
    "header button[aria-pressed=true]{background:#fff;color:#0b4f9c;font-weight:700}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f4f6f9}",
    ".msg{max-width:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".bot,.operator{align-self:flex-start;background:#fff;border:1px solid #c9d2de}",
    ".operator{border-color:#0b4f9c;border-width:2px}",
    ".citizen{align-self:flex-end;background:#0b4f9c;color:#fff}",
    ".citizen.pending{background:#5b6b7f}",
    ".who{display:block;font-size:12px;font-weight:600;color:#44505e;margin-bottom:2px}",
    ".citizen .who,.citizen time{color:#e8eef6}",
    "time{display:block;font-size:11px;color:#535e6b;margin-top:4px;text-align:right}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start;max-width:100%}",
    ".choices button{background:#fff;color:#0b4f9c;border:1.5px solid #0b4f9c;border-radius:16px;",
    "padding:6px 12px;cursor:pointer;font-size:14px;min-height:36px;text-align:left}",
    ".choices button:hover{background:#e6eef8}",
    ".choices button:disabled{color:#5f6b78;border-color:#aab4c0;cursor:default;background:#f4f6f9}",
    ".card{align-self:stretch;background:#fff;border:2px solid #1d7a3a;border-radius:10px;padding:10px 12px}",
    ".card h3{margin:0 0 6px;font-size:15px;color:#145a2a}",
    ".card dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px}",
    ".card dt{color:#44505e;font-size:13px}.card dd{margin:0;font-weight:600;overflow-wrap:anywhere}",
    ".card a.download{display:block;margin-top:6px;color:#145a2a}",
    ".card button{margin-top:8px;background:#1d7a3a;color:#fff;border:0;border-radius:6px;padding:6px 10px;",
    "cursor:pointer;min-height:36px}",
    ".status{padding:6px 12px;background:#fff4d6;color:#5c4300;font-size:13px}",
    ".status:empty{display:none}",
    ".typing{padding:0 12px 4px;font-size:13px;color:#44505e;background:#f4f6f9;min-height:1.5em}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #c9d2de;background:#fff}",
    "textarea{flex:1;resize:none;border:1.5px solid #6b7785;border-radius:8px;padding:8px;font-size:15px;",
    "height:44px;color:#1b1b1b;background:#fff}",
    "form button{background:#0b4f9c;color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer;",
    "font-size:15px;min-height:44px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;",
    "max-height:100%;border-radius:0}.launch{right:12px;bottom:12px}}"
  ].join("");

  function build() {
    var host = document.createElement("kavshiri-chat");
    // Inline !important outranks any page rule aimed at the host element itself.
    host.setAttribute("style", "all:initial !important;display:block !important;position:fixed !important;" +
      "z-index:2147483647 !important;right:0 !important;bottom:0 !important;width:0 !important;height:0 !important");
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(make("style", null, CSS));

    el.launch = make("button", "launch");
    el.launch.type = "button";
    el.launch.setAttribute("aria-expanded", "false");
    el.launch.appendChild(icon());

    el.panel = make("section", "panel");
    el.panel.hidden = true;
    el.panel.setAttribute("role", "dialog");
    el.panel.id = "kavshiri-panel";
    el.launch.setAttribute("aria-controls", "kavshiri-panel");

    var header = make("header");
    el.title = make("h2");
    el.title.id = "kavshiri-title";
    el.panel.setAttribute("aria-labelledby", "kavshiri-title");
    el.langs = make("div", "langs");
    el.langs.setAttribute("role", "group");
    el.langKa = langButton("ka", "KA");
    el.langEn = langButton("en", "EN");
    el.langs.append(el.langKa, el.langEn);
    el.close = make("button", null, "×");
    el.close.type = "button";
    header.append(el.title, el.langs, el.close);

    el.status = make("div", "status");
    el.status.setAttribute("role", "status");
    el.log = make("div", "log");
    el.log.setAttribute("role", "log");
    el.log.setAttribute("aria-live", "polite");
    el.log.tabIndex = 0;
    el.typing = make("div", "typing");
    el.typing.setAttribute("aria-live", "polite");

    el.form = make("form");
    el.label = make("label", "sr");
    el.label.htmlFor = "kavshiri-input";
    el.input = make("textarea");
    el.input.id = "kavshiri-input";
    el.input.maxLength = 20000;
    el.send = make("button");
    el.send.type = "submit";
    el.form.append(el.label, el.input, el.send);

    el.panel.append(header, el.status, el.log, el.typing, el.form);
    root.append(el.launch, el.panel);
    document.body.appendChild(host);

    el.launch.addEventListener("click", function () { toggle(el.panel.hidden); });
    el.close.addEventListener("click", function () { toggle(false); });
    el.panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });
    el.form.addEventListener("submit", function (e) { e.preventDefault(); sendText(); });
    el.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendText(); }
    });
    window.addEventListener("online", function () { if (!connected) connect(); });
    document.addEventListener("visibilitychange", function () { if (!ws && watching()) connect(); });
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M4 4h16v12H7l-3 3z");
    svg.appendChild(path);
    return svg;
  }

  function langButton(code, text) {
    var b = make("button", null, text);
    b.type = "button";
    b.lang = code;
    b.addEventListener("click", function () {
      if (lang === code) return;
      lang = saved.lang = code;
      save();
      label();
      send({ choice: "lang:" + code, label: b.textContent });
    });
    return b;
  }

  function label() {
    el.launch.setAttribute("aria-label", t("open"));
    el.title.textContent = t("title");
    el.close.setAttribute("aria-label", t("close"));
    el.langs.setAttribute("aria-label", t("language"));
    el.langKa.setAttribute("aria-pressed", String(lang === "ka"));
    el.langEn.setAttribute("aria-pressed", String(lang === "en"));
    el.log.setAttribute("aria-label", t("log"));
    el.label.textContent = t("input_label");
    el.input.placeholder = t("input_label");
    el.send.textContent = t("send");
    el.panel.lang = lang;
    el.status.textContent = connected ? "" : (saved.open ? t("offline") : "");
  }

  function toggle(open) {
    el.panel.hidden = !open;
    el.launch.setAttribute("aria-expanded", String(open));
    saved.open = open;
    save();
    if (open) {
      if (!ws) connect();
      el.input.focus();
      el.log.scrollTop = el.log.scrollHeight;
    } else {
      el.launch.focus();
    }
  }

  // Connection

  function connect() {
    clearTimeout(retryTimer);
    var url = new URL("/api/chat/ws", base);
    url.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("agency", agency);
    ws = new WebSocket(url.href);
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", token: saved.token || null, lang: lang }));
    };
    ws.onmessage = function (e) { receive(JSON.parse(e.data)); };
    ws.onclose = function (e) {
      connected = false;
      el.typing.textContent = "";
      label();
      if (e.code === IDLE) {  // closed for silence: back at once if someone is looking, else when they do
        ws = null;
        if (watching()) connect();
        return;
      }
      retry = Math.min(retry + 1, 5);
      retryTimer = setTimeout(connect, 500 * Math.pow(2, retry));
    };
  }

  function watching() { return saved.open && document.visibilityState === "visible"; }

  function receive(frame) {
    if (frame.type === "session") {
      saved.token = frame.token;
      save();
    } else if (frame.type === "history") {
      connected = true;
      retry = 0;
      label();
      el.log.textContent = "";
      frame.messages.forEach(show);
      // A message answered while this page was away is in the history: it is not sent again.
      var answered = frame.messages.map(function (m) { return m.id; });
      saved.queue = saved.queue.filter(function (item) { return answered.indexOf(item.id) < 0; });
      save();
      saved.queue.forEach(function (item) { showCitizen(item.label || item.text, new Date(), item.id); });
      enableLastChoices();
      flush();
    } else if (frame.type === "typing") {
      el.typing.textContent = t("typing");
    } else if (frame.type === "reply") {
      el.typing.textContent = "";
      settle(frame.id);
      frame.messages.forEach(show);
      enableLastChoices();
    } else if (frame.type === "push") {
      frame.messages.forEach(show);
      enableLastChoices();
    } else if (frame.type === "error" && frame.reason === "slow_down") {
      el.typing.textContent = "";
      setTimeout(flush, 3000);
    }
  }

  function send(item) {
    item.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    saved.queue.push(item);
    save();
    disableChoices();  // what the citizen just said makes the offered buttons stale
    showCitizen(item.label || item.text, new Date(), item.id);
    flush();
  }

  function flush() {
    if (!ws) { connect(); return; }  // the history frame flushes once connected
    if (!connected || ws.readyState !== 1) return;
    saved.queue.forEach(function (item) {
      ws.send(JSON.stringify({ type: "message", id: item.id, text: item.text, choice: item.choice }));
    });
  }

  function settle(id) {
    saved.queue = saved.queue.filter(function (item) { return item.id !== id; });
    save();
    var pending = el.log.querySelector('[data-id="' + CSS_escape(id) + '"]');
    if (pending) {
      pending.classList.remove("pending");
      var note = pending.querySelector(".sr");
      if (note) note.remove();
    }
  }

  function CSS_escape(id) { return String(id).replace(/[^a-z0-9]/gi, ""); }

  function sendText() {
    var text = el.input.value;
    if (!text.trim()) return;
    el.input.value = "";
    send({ text: text });
    el.input.focus();
  }

  // Rendering: textContent only.

  function stamp(at) {
    var when = at instanceof Date ? at : new Date(at);
    var node = make("time", null, when.toLocaleTimeString(lang === "ka" ? "ka-GE" : "en-GB",
      { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
    node.dateTime = when.toISOString();
    return node;
  }

  function bubble(cls, who, text, at) {
    var node = make("div", "msg " + cls);
    node.append(make("span", "who", who), make("span", "body", text), stamp(at));
    el.log.appendChild(node);
    el.log.scrollTop = el.log.scrollHeight;
    return node;
  }

  function showCitizen(text, at, pendingId) {
    var node = bubble("citizen", t("you"), text, at);
    if (pendingId) {
      node.classList.add("pending");
      node.setAttribute("data-id", CSS_escape(pendingId));
      node.appendChild(make("span", "sr", t("pending")));
    }
  }

  function show(m) {
    if (m.from === "citizen") { showCitizen(m.text, m.at); return; }
    var event = m.event || {};
    if (event.type === "submitted") {
      receipt(event, m.at);
    } else {
      var who = m.from === "operator" ? t("operator", { name: event.name || "" }) : t("bot");
      bubble(m.from === "operator" ? "operator" : "bot", who, m.text, m.at);
    }
    if (m.choices && m.choices.length) {
      var group = make("div", "choices");
      m.choices.forEach(function (c) {
        var b = make("button", null, c.label);
        b.type = "button";
        b.addEventListener("click", function () {
          disableChoices();
          send({ choice: c.id, label: c.label });
          el.input.focus();
        });
        group.appendChild(b);
      });
      el.log.appendChild(group);
    }
  }

  function receipt(event, at) {
    var card = make("div", "card");
    card.setAttribute("role", "group");
    var title = make("h3", null, t("receipt_title"));
    var dl = make("dl");
    [["receipt_number", event.registration_number], ["receipt_agency", event.agency],
      ["receipt_deadline", event.deadline_text]].forEach(function (row) {
      dl.append(make("dt", null, t(row[0])), make("dd", null, row[1] || ""));
    });
    var copy = make("button", null, t("copy"));
    copy.type = "button";
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = t("copied"); };
      if (navigator.clipboard) navigator.clipboard.writeText(event.registration_number).then(done, done);
      else done();
    });
    card.append(title, dl, copy);
    [["receipt_pdf", event.receipt_pdf], ["receipt_calendar", event.receipt_ics]].forEach(function (link) {
      if (!link[1]) return;
      var a = make("a", "download", t(link[0]));
      a.href = new URL(link[1], base).href;
      a.setAttribute("download", "");
      card.appendChild(a);
    });
    card.append(stamp(at));
    card.setAttribute("aria-label", t("receipt_title"));
    el.log.appendChild(card);
  }

  function disableChoices() {
    el.log.querySelectorAll(".choices button").forEach(function (b) { b.disabled = true; });
  }

  function enableLastChoices() {
    // Only the newest buttons can be pressed; older ones stay as a record.
    // A message the citizen sent after them makes them stale.
    disableChoices();
    for (var node = el.log.lastElementChild; node && !saved.queue.length; node = node.previousElementSibling) {
      if (node.classList.contains("citizen")) break;
      if (node.classList.contains("choices")) {
        node.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
        break;
      }
    }
    el.log.scrollTop = el.log.scrollHeight;
  }

  function start() {
    fetch(new URL("/api/widget/ui", base).href).then(function (r) { return r.json(); }).then(function (strings) {
      ui = strings;
      build();
      label();
      if (saved.open) toggle(true);
    });
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
