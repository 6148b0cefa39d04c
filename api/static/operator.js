/* The operator console: sign in, presence, the queue, a conversation's transcript, and actions.
 * Every text from a citizen is set with textContent. State-changing calls carry the CSRF token. */
(function () {
  "use strict";
  var csrf = null, selected = null, timer = null, me = null;
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined });
  }

  function show(signedIn) {
    $("login").hidden = signedIn;
    $("desk").hidden = !signedIn;
    $("who").hidden = !signedIn;
    clearInterval(timer);
    if (signedIn) { refresh(); timer = setInterval(refresh, 1500); }
  }

  function start() {
    api("GET", "/api/operators/me").then(function (r) {
      if (!r.ok) { show(false); return; }
      return r.json().then(function (data) { csrf = data.csrf; setMe(data); show(true); });
    });
  }

  function setMe(data) {
    me = data;
    $("name").textContent = data.name;
    $("presence").setAttribute("aria-pressed", String(!!data.online));
    $("presence").textContent = data.online ? "Online" : "Away";
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    api("POST", "/api/operators/login", { login: $("login-name").value, password: $("login-password").value })
      .then(function (r) {
        if (!r.ok) { $("login-error").textContent = "Wrong login or password."; return; }
        $("login-password").value = "";
        $("login-error").textContent = "";
        return r.json().then(function (data) { csrf = data.csrf; start(); });
      });
  });

  $("logout").addEventListener("click", function () {
    api("POST", "/api/operators/logout").then(function () { csrf = null; show(false); });
  });

  $("presence").addEventListener("click", function () {
    var online = $("presence").getAttribute("aria-pressed") !== "true";
    api("POST", "/api/operators/presence", { online: online }).then(refresh);
  });

  function refresh() {
    return api("GET", "/api/operators/desk").then(function (r) {
      if (r.status === 401) { show(false); return; }
      return r.json().then(render);
    });
  }

  function render(data) {
    setMe(data.me);
    var queue = $("queue");
    queue.textContent = "";
    var current = null;
    data.conversations.forEach(function (c, i) {
      var li = document.createElement("li");
      li.tabIndex = 0;
      var state = document.createElement("span");
      state.className = "state";
      state.textContent = c.state === "live" ? "LIVE — yours" : "waiting #" + (i + 1);
      li.append(state, document.createTextNode(" " + c.agency_id + " · " + c.citizen_key.slice(-6) + " · " +
        new Date(c.since * 1000).toLocaleTimeString()));
      li.setAttribute("aria-current", String(c.citizen_key === selected));
      var pick = function () { selected = c.citizen_key; render(data); };
      li.addEventListener("click", pick);
      li.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
      queue.appendChild(li);
      if (c.citizen_key === selected) current = c;
    });
    renderTickets(data.tickets);
    renderConversation(current);
  }

  function renderTickets(tickets) {
    var list = $("tickets");
    list.textContent = "";
    tickets.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t.number + " · " + t.agency_id + " · " + t.contact + " — " + t.message;
      var done = document.createElement("button");
      done.type = "button";
      done.textContent = "Done";
      done.addEventListener("click", function () { api("POST", "/api/operators/tickets/close", { number: t.number }).then(refresh); });
      li.appendChild(done);
      list.appendChild(li);
    });
  }

  function renderConversation(c) {
    $("actions").hidden = !c;
    $("conv-title").textContent = c ? "Conversation " + c.citizen_key.slice(-6) : "Choose a conversation";
    var log = $("transcript");
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = "";
    if (!c) return;
    c.transcript.forEach(function (m) {
      var line = document.createElement("p");
      line.className = "line";
      var who = document.createElement("b");
      who.textContent = { citizen: "Citizen", bot: "Bot", operator: "Operator" }[m.from] + ": ";
      line.append(who, document.createTextNode(m.text || ""));
      log.appendChild(line);
    });
    if (atBottom) log.scrollTop = log.scrollHeight;
    var live = c.state === "live";
    $("take").hidden = live;
    $("reply").hidden = !live;
    $("hand-back").hidden = !live;
    $("close").hidden = !live;
  }

  function act(action, text) {
    return api("POST", "/api/operators/act", { conversation: selected, action: action, text: text }).then(function (r) {
      $("act-error").textContent = r.ok ? "" : "Not possible now: someone else may have taken it.";
      if (r.ok && (action === "hand_back" || action === "close")) selected = null;
      return refresh();
    });
  }

  $("take").addEventListener("click", function () { act("take").then(function () { $("reply-text").focus(); }); });
  $("hand-back").addEventListener("click", function () { act("hand_back"); });
  $("close").addEventListener("click", function () { act("close"); });
  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("reply-text").value;
    if (!text.trim()) return;
    $("reply-text").value = "";
    act("say", text);
  });

  start();
})();
