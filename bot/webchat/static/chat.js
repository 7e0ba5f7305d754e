/* Welfare Advice Line web chat. Plain JavaScript, no build step.
 * Message text is only ever set with textContent, so markup in a message is shown, not run. */
(function () {
  "use strict";

  var API = "/api/webchat/sessions";
  var STORE_KEY = "welfareChatSession";
  var EXIT_URL = "https://www.bbc.co.uk/weather";
  var TALK_TEXT = "I want to talk to a person";
  // Any failure: a person in crisis still sees the numbers. The page carries the one reviewed
  // safety line (bot/gateway/texts.py SAFETY_LINE, also in the API's error bodies).
  var SAFETY_TEXT = document.body.getAttribute("data-safety");
  var ERROR_TEXT =
    "Sorry, something went wrong. Your message may not have been sent. Please try again. " +
    SAFETY_TEXT;
  var LABELS = { person: "You said:", assistant: "Assistant said:", advisor: "Advisor said:" };
  // A chat's token stops working after a quiet spell (or Quick exit): say so kindly.
  var NEW_CHAT_TEXT =
    "Your last chat ended because it was quiet for a while, so this is a new chat. " +
    "Your message is in the new chat.";
  var ENDED_TEXT =
    "Your last chat ended because it was quiet for a while. Anything you type now starts a " +
    "new chat.";

  var log, typing, errorLine, form, input, sendButton, talkButton;
  var busy = false;
  var lastEscape = 0;
  var lastId = 0;
  var stream = null; // the live stream now open: { controller }

  /* ---- Quick exit: end the session on the server, then leave at once, without a history
   * entry to come back to. The request outlives the page (keepalive). ---- */
  function revokeSession() {
    var current = session || loadSession();
    if (!current) return;
    try {
      fetch(API + "/" + encodeURIComponent(current.session_id), {
        method: "DELETE",
        headers: { Authorization: "Bearer " + current.token },
        keepalive: true,
        credentials: "omit",
        cache: "no-store"
      }).catch(function () { /* leaving matters more */ });
    } catch (e) { /* no fetch: leave anyway */ }
  }

  function quickExit() {
    revokeSession();
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) { /* storage blocked: nothing to forget */ }
    if (window.top !== window.self) {
      try {
        window.parent.postMessage({ type: "welfare-chat-quick-exit" }, "*");
        window.top.location.replace(EXIT_URL);
        return;
      } catch (e) { /* cross-origin top: the embed script handles the message */ }
    }
    window.location.replace(EXIT_URL);
  }

  /* ---- Session kept for this tab only (closing it forgets the chat). ---- */
  function loadSession() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && typeof saved.session_id === "string" && typeof saved.token === "string") {
        return saved;
      }
    } catch (e) { /* unreadable: start again */ }
    return null;
  }

  function saveSession(session) {
    try {
      sessionStorage.setItem(
        STORE_KEY, JSON.stringify({ session_id: session.session_id, token: session.token })
      );
    } catch (e) { /* storage blocked: the chat still works until the page closes */ }
  }

  function forgetSession() {
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) { /* nothing to forget */ }
  }

  var session = null;

  // The token no longer works (ended after a quiet spell, or not this session's): drop it.
  function endSession() {
    stopListening();
    session = null;
    lastId = 0;
    forgetSession();
  }

  function isEnded(error) {
    return Boolean(error && (error.status === 401 || error.status === 403));
  }

  function request(method, url, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (session) headers.Authorization = "Bearer " + session.token;
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  function ensureSession() {
    if (session) return Promise.resolve(session);
    return request("POST", API).then(function (created) {
      session = created;
      saveSession(created);
      listen();
      return created;
    });
  }

  /* ---- Live stream: an advisor's messages arrive here (server-sent events read with fetch,
   * so the token stays in a header, never in a URL). Reconnects after a pause. ---- */
  function listen() {
    if (stream || !session || !window.ReadableStream || !window.TextDecoder) return;
    var current = session;
    var controller = window.AbortController ? new AbortController() : null;
    var mine = { controller: controller };
    stream = mine;
    var url = API + "/" + encodeURIComponent(current.session_id) + "/stream?after=" + lastId;
    fetch(url, {
      headers: { Accept: "text/event-stream", Authorization: "Bearer " + current.token },
      credentials: "omit",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        if (!response.ok || !response.body) {
          var error = new Error("HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return readEvents(response.body.getReader());
      })
      .catch(function (error) {
        return error && (error.status === 401 || error.status === 403) ? "stop" : "retry";
      })
      .then(function (outcome) {
        if (stream === mine) stream = null;
        if (outcome !== "stop" && session === current) setTimeout(listen, 3000);
      });
  }

  function stopListening() {
    if (stream && stream.controller) stream.controller.abort();
    stream = null;
  }

  function readEvents(reader) {
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return "retry";
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
        var blocks = buffer.split("\n\n");
        buffer = blocks.pop();
        blocks.forEach(handleEvent);
        return pump();
      });
    }
    return pump();
  }

  function handleEvent(block) {
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return;
    var message;
    try {
      message = JSON.parse(data.join("\n"));
    } catch (e) {
      return;
    }
    if (!message || typeof message.text !== "string" || message.id <= lastId) return;
    lastId = message.id;
    addMessage(message.from, message.text);
    addQuickReplies(message.buttons);
    scrollToEnd();
  }

  function messagesUrl() {
    return API + "/" + encodeURIComponent(session.session_id) + "/messages";
  }

  /* ---- Rendering ---- */
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function removeQuickReplies() {
    var old = log.querySelectorAll(".replies");
    for (var i = 0; i < old.length; i++) old[i].remove();
  }

  function addMessage(from, text) {
    var who = LABELS[from] ? from : "assistant";
    var item = document.createElement("div");
    item.className = "msg msg--" + who;
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = LABELS[who] + " ";
    item.appendChild(label);
    if (who === "advisor") {
      var name = document.createElement("span");
      name.className = "msg-who";
      name.setAttribute("aria-hidden", "true");
      name.textContent = "Advisor";
      item.appendChild(name);
    }
    var body = document.createElement("p");
    body.className = "msg-text";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    return item;
  }

  function addQuickReplies(buttons) {
    if (!buttons || !buttons.length) return;
    var group = document.createElement("div");
    group.className = "replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Quick replies");
    buttons.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = choice.title;
      button.addEventListener("click", function () {
        send({ payload: choice.payload }, choice.title);
      });
      group.appendChild(button);
    });
    log.appendChild(group);
  }

  function showReplies(messages, from) {
    messages.forEach(function (message, index) {
      addMessage(message.from || from, message.text);
      // Only the newest buttons are live; older ones have expired on the server.
      if (index === messages.length - 1) addQuickReplies(message.buttons);
    });
    scrollToEnd();
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    typing.textContent = value ? "Assistant is typing…" : "";
    var choices = log.querySelectorAll(".replies button");
    for (var i = 0; i < choices.length; i++) choices[i].disabled = value;
  }

  function addNote(text) {
    var note = document.createElement("p");
    note.className = "note";
    note.setAttribute("role", "status");
    note.textContent = text;
    log.appendChild(note);
    scrollToEnd();
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = false;
  }

  function clearError() {
    errorLine.textContent = "";
    errorLine.hidden = true;
  }

  /* ---- Sending ---- */
  function send(body, shown) {
    if (busy) return;
    clearError();
    removeQuickReplies();
    addMessage("person", shown);
    scrollToEnd();
    setBusy(true);
    post(body)
      .catch(function (error) {
        if (!isEnded(error)) throw error;
        // The chat ended after a quiet spell: start a new one and send the message there.
        endSession();
        addNote(NEW_CHAT_TEXT);
        return post(body);
      })
      .then(function (reply) {
        setBusy(false);
        showReplies(reply.messages || [], "assistant");
      })
      .catch(function (error) {
        setBusy(false);
        if (isEnded(error)) endSession(); // the next message starts a fresh one
        showError(ERROR_TEXT);
      });
  }

  function post(body) {
    return ensureSession().then(function () {
      return request("POST", messagesUrl(), body);
    });
  }

  function sendTyped(event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send({ text: text }, text);
    input.focus();
  }

  /* ---- A reload resumes the conversation this tab started. ---- */
  function resume() {
    session = loadSession();
    if (!session) return;
    setBusy(true);
    typing.textContent = "Loading your conversation…";
    request("GET", messagesUrl())
      .then(function (transcript) {
        setBusy(false);
        var titles = {};
        var messages = transcript.messages || [];
        messages.forEach(function (message, index) {
          if (message.id > lastId) lastId = message.id;
          var text = message.text;
          // A tapped button is stored as its payload: show the title the person saw.
          if (message.from === "person" && titles[text]) text = titles[text];
          addMessage(message.from, text);
          (message.buttons || []).forEach(function (b) {
            titles[b.payload] = b.title;
          });
          if (index === messages.length - 1 && message.from !== "person") {
            addQuickReplies(message.buttons);
          }
        });
        scrollToEnd();
        listen();
      })
      .catch(function (error) {
        setBusy(false);
        if (isEnded(error) || (error && error.status === 404)) {
          endSession();
          if (error.status === 401) addNote(ENDED_TEXT);
          return;
        }
        showError(
          "Sorry, we couldn't load your conversation. Please try reloading the page. " + SAFETY_TEXT
        );
      });
  }

  function init() {
    log = document.getElementById("log");
    typing = document.getElementById("typing");
    errorLine = document.getElementById("error");
    form = document.getElementById("composer");
    input = document.getElementById("message");
    sendButton = document.getElementById("send");
    talkButton = document.getElementById("talk-to-person");

    document.getElementById("quick-exit").addEventListener("click", quickExit);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var now = Date.now();
      if (now - lastEscape < 1500) quickExit();
      lastEscape = now;
    });
    form.addEventListener("submit", sendTyped);
    talkButton.addEventListener("click", function () {
      send({ text: TALK_TEXT }, TALK_TEXT);
    });
    resume();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
