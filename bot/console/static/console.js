/* Advisor console: sign in, the live queue, and one conversation. Plain JavaScript, no build.
 * Text from people is only ever set with textContent, so markup in a message is never run. */
(function () {
  "use strict";

  var staff = window.StaffPage; // staff.js: shared by every staff page
  var CSRF_KEY = staff.CSRF_KEY, $ = staff.$, showError = staff.showError, say = staff.say;
  var api = staff.api, wireLogout = staff.wireLogout;
  var me = null;

  // Links to the review, report and admin pages, for the roles that may use them.
  function showStaffLinks(role) {
    var nav = $("staff-nav");
    if (!nav) return;
    var shown = 0;
    Array.prototype.forEach.call(nav.querySelectorAll("a[data-roles]"), function (link) {
      var allowed = link.getAttribute("data-roles").split(" ").indexOf(role) >= 0;
      link.hidden = !allowed;
      if (allowed) shown += 1;
    });
    nav.hidden = shown === 0;
  }

  function loadMe() {
    return staff.loadMe().then(function (who) {
      me = who;
      showStaffLinks(who.role);
      return who;
    });
  }

  function minutes(seconds) {
    var m = Math.floor(seconds / 60);
    if (m < 1) return "under a minute";
    if (m < 60) return m + " min";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  /* A short tone for a new urgent conversation (browsers allow it after the first click). */
  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = new Ctx();
      var tone = ctx.createOscillator();
      var gain = ctx.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain);
      gain.connect(ctx.destination);
      tone.start();
      tone.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no sound: the banner still shows */ }
  }

  /* ---- Sign in ---- */
  function loginPage() {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      api("POST", "/api/staff/login", {
        username: $("username").value.trim(),
        password: $("password").value
      })
        .then(function (result) {
          sessionStorage.setItem(CSRF_KEY, result.csrf_token);
          var next = new URLSearchParams(location.search).get("next") || "/console";
          location.assign(next.indexOf("/console") === 0 ? next : "/console");
        })
        .catch(function (error) {
          $("password").value = "";
          showError(error.status === 429
            ? "Too many failed attempts. Please wait a minute and try again."
            : "That username and password did not match. Please try again.");
        });
    });
  }

  /* ---- The queue ---- */
  var seenUrgent = null;

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function renderQueue(items) {
    var body = $("queue-rows");
    body.textContent = "";
    $("count").textContent = "(" + items.length + ")";
    $("empty").hidden = items.length > 0;
    var urgentNow = {};
    var fresh = 0;
    items.forEach(function (item) {
      var row = document.createElement("tr");
      row.className = item.urgent ? "urgent" : "";
      row.dataset.conversation = item.conversation_id;
      var priority = cell(row, "");
      var tag = document.createElement("span");
      tag.className = "tag " + (item.urgent ? "tag--urgent" : "tag--normal");
      tag.textContent = item.urgent ? "Urgent" : "Normal";
      priority.appendChild(tag);
      cell(row, minutes(item.waiting_s || 0));
      cell(row, (item.reason || "") + (item.callback ? " · call back requested" : ""));
      cell(row, item.district || "not known");
      cell(row, (item.needs || []).join(", ") || "not given");
      cell(row, item.channel === "telegram" ? "Telegram" : "Web chat");
      var action = cell(row, "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = "Claim";
      button.setAttribute("aria-label", "Claim conversation waiting " + minutes(item.waiting_s || 0));
      button.disabled = !me || me.role === "reviewer";
      button.addEventListener("click", function () { claim(item.conversation_id, button); });
      action.appendChild(button);
      var view = document.createElement("a");
      view.href = "/console/conversations/" + encodeURIComponent(item.conversation_id);
      view.textContent = "View";
      view.className = "view";
      action.appendChild(document.createTextNode(" "));
      action.appendChild(view);
      body.appendChild(row);
      if (item.urgent) {
        urgentNow[item.conversation_id] = true;
        if (seenUrgent && !seenUrgent[item.conversation_id]) fresh += 1;
      }
    });
    if (fresh) {
      var banner = $("urgent-banner");
      banner.textContent = fresh === 1
        ? "New urgent conversation waiting"
        : fresh + " new urgent conversations waiting";
      banner.hidden = false;
      beep();
    }
    seenUrgent = urgentNow;
  }

  function refreshQueue() {
    return api("GET", "/api/staff/queue").then(renderQueue).catch(function (error) {
      showError("The queue could not be loaded (" + error.message + ").");
    });
  }

  function claim(conversationId, button) {
    button.disabled = true;
    api("POST", "/api/staff/conversations/" + encodeURIComponent(conversationId) + "/claim")
      .then(function () {
        location.assign("/console/conversations/" + encodeURIComponent(conversationId));
      })
      .catch(function (error) {
        showError(error.status === 409
          ? "Another advisor has already claimed that conversation."
          : "Claiming failed (" + error.message + ").");
        refreshQueue();
      });
  }

  function queuePage() {
    wireLogout();
    loadMe().then(refreshQueue).then(function () {
      var stream = new EventSource("/api/staff/queue/stream");
      // Each "queue" event carries the whole queue: no second request needed.
      stream.addEventListener("queue", function (event) {
        try {
          renderQueue(JSON.parse(event.data).queue || []);
        } catch (e) {
          refreshQueue();
        }
      });
      stream.onopen = function () { say("The queue updates live."); };
      stream.onerror = function () { say("Reconnecting to live updates…"); };
    });
    setInterval(refreshQueue, 30000); // waiting times move on even when nothing changes
  }

  /* ---- One conversation ---- */
  var conversationId = decodeURIComponent(location.pathname.split("/").pop() || "");
  var shown = {};
  var current = null;

  var LABELS = { person: "Person", assistant: "Assistant", advisor: "Advisor" };
  // How sending each advisor message to Telegram goes, by message id (the server words it).
  var deliveries = {};

  /* Keep a delivery change unless it is older than what is known: "sent" and "failed" are
   * final, and a retry count only grows (events from other gateway processes may cross). */
  function noteDelivery(id, delivery) {
    if (!delivery || !delivery.state) return;
    var known = deliveries[id];
    if (known && known.state !== "pending") return;
    if (known && delivery.state === "pending" && (delivery.attempts || 0) < (known.attempts || 0)) return;
    deliveries[id] = delivery;
    showDelivery(id);
  }

  function showDelivery(id) {
    var delivery = deliveries[id];
    var item = document.querySelector('#transcript [data-message="' + Number(id) + '"]');
    if (!delivery || !item) return;
    var line = item.querySelector(".msg-delivery");
    if (!line) {
      line = document.createElement("p");
      item.appendChild(line);
    }
    line.className = "msg-delivery msg-delivery--" + delivery.state;
    line.textContent = delivery.status || "";
    item.classList.toggle("msg--undelivered", delivery.state === "failed");
  }

  function addMessage(message) {
    if (shown[message.id]) {
      noteDelivery(message.id, message.delivery);
      return;
    }
    shown[message.id] = true;
    var from = LABELS[message.from] ? message.from : "assistant";
    var item = document.createElement("div");
    item.className = "msg msg--" + from;
    item.dataset.message = String(Number(message.id));
    var meta = document.createElement("span");
    meta.className = "msg-meta";
    meta.textContent = LABELS[from] + (message.advisor ? " (" + message.advisor + ")" : "") +
      " · " + when(message.at);
    var text = document.createElement("p");
    text.textContent = message.text;
    item.appendChild(meta);
    item.appendChild(text);
    var log = $("transcript");
    log.appendChild(item);
    noteDelivery(message.id, message.delivery);
    showDelivery(message.id);
    log.scrollTop = log.scrollHeight;
  }

  function renderReferral(referral) {
    var list = $("referral");
    list.textContent = "";
    if (!referral) {
      // A description list holds terms with their descriptions, never a description alone.
      var term = document.createElement("dt");
      term.textContent = "Referral";
      var none = document.createElement("dd");
      none.textContent = "None in this conversation.";
      list.appendChild(term);
      list.appendChild(none);
      return;
    }
    Object.keys(referral).forEach(function (key) {
      var value = referral[key];
      if (value === null || value === undefined || value === "") return;
      var dt = document.createElement("dt");
      dt.textContent = key.replace(/_/g, " ");
      var dd = document.createElement("dd");
      dd.textContent = Array.isArray(value) ? value.join(", ") : String(value);
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  function renderNotes(notes) {
    var list = $("notes");
    list.textContent = "";
    (notes || []).forEach(function (note) {
      var item = document.createElement("li");
      item.textContent = note.text + " — " + (note.author || "staff") + ", " + when(note.at);
      list.appendChild(item);
    });
  }

  function renderConversation(data) {
    current = data;
    var state = data.state;
    var names = { waiting: "waiting for an advisor", advisor: "with an advisor",
      assistant: "with the assistant", closed: "closed" };
    $("state").textContent = "· " + (names[state] || state) +
      (data.advisor ? " (" + data.advisor + ")" : "");
    $("summary-line").textContent = [
      data.channel === "telegram" ? "Telegram" : "Web chat",
      data.district ? "District: " + data.district : "District not known",
      data.reason ? "Reason: " + data.reason : "",
      data.urgent ? "Urgent" : "",
      data.callback && data.callback.status === "given"
        ? "Call back on " + data.callback.phone + " (consent given)" : ""
    ].filter(Boolean).join(" · ");
    (data.transcript || data.messages || []).forEach(addMessage);
    renderReferral(data.referral);
    renderNotes(data.notes);
    var mine = me && data.advisor && data.advisor === me.username && state === "advisor";
    var canAct = me && me.role !== "reviewer";
    $("claim").hidden = !(canAct && state === "waiting");
    $("reply-form").hidden = !(canAct && mine);
    $("handback").hidden = !(canAct && mine);
    $("requeue").hidden = !(canAct && mine);
    $("close-form").hidden = !(canAct && (mine || state === "waiting"));
    $("note-form").hidden = !canAct;
  }

  function reload() {
    return api("GET", "/api/staff/conversations/" + encodeURIComponent(conversationId))
      .then(renderConversation)
      .catch(function (error) { showError("This conversation could not be loaded (" + error.message + ")."); });
  }

  function act(path, body, done) {
    showError("");
    return api("POST", "/api/staff/conversations/" + encodeURIComponent(conversationId) + path, body)
      .then(function (result) {
        if (done) done(result);
        return reload();
      })
      .catch(function (error) {
        showError(error.status === 409
          ? "Another advisor holds this conversation."
          : "That did not work (" + error.message + ").");
        reload();
      });
  }

  function conversationPage() {
    wireLogout();
    $("claim").addEventListener("click", function () { act("/claim"); });
    $("handback").addEventListener("click", function () {
      act("/handback", undefined, function () { say("Handed back to the assistant."); });
    });
    $("requeue").addEventListener("click", function () {
      act("/requeue", undefined, function () { location.assign("/console"); });
    });
    $("close-form").addEventListener("submit", function (event) {
      event.preventDefault();
      act("/close", { outcome: $("outcome").value }, function () { say("Conversation closed."); });
    });
    $("reply-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("reply").value.trim();
      if (!text) return;
      act("/messages", { text: text }, function (sent) {
        // Only what was sent is cleared: the advisor may already be typing the next reply.
        if ($("reply").value.trim() === text) $("reply").value = "";
        // Telegram: the line under the message says when it has reached the chat.
        say(sent && sent.delivery ? "Reply saved. Sending it to Telegram." : "Reply sent.");
      });
    });
    $("note-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("note").value.trim();
      if (!text) return;
      act("/notes", { text: text }, function () {
        if ($("note").value.trim() === text) $("note").value = "";
        say("Note saved.");
      });
    });
    loadMe().then(reload).then(function () {
      var url = "/api/staff/conversations/" + encodeURIComponent(conversationId) + "/stream";
      var stream = new EventSource(url);
      stream.addEventListener("message", function (event) {
        try {
          var message = JSON.parse(event.data);
          if (message && message.id) addMessage(message);
          else reload();
        } catch (e) { reload(); }
      });
      stream.addEventListener("state", reload);
      stream.addEventListener("delivery", function (event) {
        try {
          var change = JSON.parse(event.data);
          noteDelivery(change.message_id, change.delivery);
        } catch (e) { reload(); }
      });
    });
  }

  function init() {
    var page = document.body.dataset.page;
    if (page === "login") loginPage();
    else if (page === "queue") queuePage();
    else if (page === "conversation") conversationPage();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
