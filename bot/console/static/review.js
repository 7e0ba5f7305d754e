/* Conversation review pages (and the functions the report page shares). Plain JavaScript, no
 * build. People's words are only ever set with textContent, so markup in a message never runs. */
(function () {
  "use strict";

  var staff = window.StaffPage; // staff.js: shared by every staff page
  var $ = staff.$, showError = staff.showError, say = staff.say, api = staff.api;
  var loadMe = staff.loadMe, wireLogout = staff.wireLogout;

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toLocaleString("en-GB", {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function fillSelect(select, values) {
    var chosen = select.value;
    (values || []).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
    select.value = chosen;
  }

  var CHANNELS = { telegram: "Telegram", webchat: "Web chat", other: "Other" };

  /* ---- The list ---- */
  var FILTERS = ["from", "to", "channel", "district", "provider", "outcome", "topic", "reason",
    "crisis", "reviewed", "tag"];

  function currentQuery() {
    var query = new URLSearchParams(location.search);
    if (!query.get("page")) query.set("page", "1");
    return query;
  }

  function formToQuery(page) {
    var query = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var value = $("filters").elements[name].value;
      if (value) query.set(name, value);
    });
    query.set("page", String(page || 1));
    return query;
  }

  function queryToForm(query) {
    FILTERS.forEach(function (name) {
      var field = $("filters").elements[name];
      if (field) field.value = query.get(name) || "";
    });
  }

  function renderList(data, query) {
    var body = $("review-rows");
    body.textContent = "";
    data.items.forEach(function (item) {
      var row = document.createElement("tr");
      row.dataset.conversation = item.conversation_id;
      cell(row, when(item.created_at));
      cell(row, CHANNELS[item.channel] || item.channel);
      cell(row, item.districts.join(", ") || "not known");
      cell(row, item.outcomes.join(", ") || "none");
      cell(row, item.topics.join(", ") || "none");
      cell(row, (item.reason || "") + (item.urgent ? " (urgent)" : "") || "none");
      cell(row, item.reviewed_at ? "Yes, " + (item.reviewed_by || "staff") : "Not yet");
      cell(row, item.tags.join(", "));
      cell(row, String(item.flags), "num");
      var open = cell(row, "");
      var link = document.createElement("a");
      link.href = "/console/review/" + encodeURIComponent(item.conversation_id) +
        "?back=" + encodeURIComponent(location.search);
      link.textContent = "Open";
      link.setAttribute("aria-label", "Open conversation started " + when(item.created_at));
      open.appendChild(link);
      body.appendChild(row);
    });
    var page = Number(query.get("page")) || 1;
    var pages = Math.max(1, Math.ceil(data.total / data.per_page));
    $("result-count").textContent = data.total === 1
      ? "1 conversation matches." : data.total + " conversations match.";
    $("page-info").textContent = "Page " + page + " of " + pages;
    $("prev").disabled = page <= 1;
    $("next").disabled = page >= pages;
  }

  function loadList() {
    var query = currentQuery();
    queryToForm(query);
    return api("GET", "/api/staff/review/conversations?" + query.toString())
      .then(function (data) { renderList(data, query); })
      .catch(function (error) { showError("The list could not be loaded (" + error.message + ")."); });
  }

  function go(query) {
    history.pushState(null, "", "/console/review?" + query.toString());
    loadList();
  }

  function reviewPage() {
    wireLogout();
    $("filters").addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      go(formToQuery(1));
    });
    $("clear").addEventListener("click", function () {
      FILTERS.forEach(function (name) { $("filters").elements[name].value = ""; });
      go(formToQuery(1));
    });
    $("prev").addEventListener("click", function () {
      go(formToQuery((Number(currentQuery().get("page")) || 1) - 1));
    });
    $("next").addEventListener("click", function () {
      go(formToQuery((Number(currentQuery().get("page")) || 1) + 1));
    });
    window.addEventListener("popstate", loadList);
    loadMe()
      .then(function () { return api("GET", "/api/staff/review/choices"); })
      .then(function (choices) {
        fillSelect($("f-district"), choices.districts);
        fillSelect($("f-provider"), choices.providers);
        fillSelect($("f-topic"), choices.topics);
        fillSelect($("f-reason"), choices.reasons);
        fillSelect($("f-tag"), choices.tags);
      })
      .then(loadList)
      .catch(function (error) { showError("The page could not be loaded (" + error.message + ")."); });
  }

  /* ---- One conversation ---- */
  var conversationId = decodeURIComponent(location.pathname.split("/").pop() || "");
  var reviewed = false;
  var LABELS = { person: "Person", assistant: "Assistant", advisor: "Advisor" };

  function percent(confidence) {
    return Math.round(confidence * 100) + "%";
  }

  function reading(message) {
    var line = document.createElement("p");
    line.className = "reading";
    if (!message.intent) {
      line.textContent = "Not read by the assistant (an advisor had the conversation, or it was a call-back step).";
      return line;
    }
    line.appendChild(document.createTextNode("Understood as "));
    var intent = document.createElement("strong");
    intent.textContent = message.intent;
    line.appendChild(intent);
    if (message.confidence !== null && message.confidence !== undefined) {
      var sure = document.createElement("span");
      sure.textContent = " (" + percent(message.confidence) + " sure)";
      if (message.confidence < 0.5) sure.className = "low";
      line.appendChild(sure);
    }
    if (message.actions && message.actions.length) {
      line.appendChild(document.createTextNode(" · then ran " + message.actions.join(", ")));
    }
    return line;
  }

  function flagControls(message, item) {
    var box = document.createElement("div");
    if (message.flag) {
      var flagged = document.createElement("p");
      flagged.className = "flagged";
      flagged.textContent = "Flagged: should have been " + message.flag;
      box.appendChild(flagged);
    }
    var actions = document.createElement("div");
    actions.className = "msg-actions";
    var open = document.createElement("button");
    open.type = "button";
    open.className = "secondary";
    open.textContent = message.flag ? "Change flag" : "Flag as misunderstood";
    open.setAttribute("aria-expanded", "false");
    actions.appendChild(open);
    if (message.flag) {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      remove.textContent = "Remove flag";
      remove.addEventListener("click", function () {
        api("DELETE", "/api/staff/review/messages/" + message.id + "/flag")
          .then(function () { say("Flag removed."); return loadConversation(); })
          .catch(function (error) { showError("That did not work (" + error.message + ")."); });
      });
      actions.appendChild(remove);
    }
    box.appendChild(actions);

    var form = document.createElement("form");
    form.className = "flag-form";
    form.hidden = true;
    var inputId = "intent-" + message.id;
    var label = document.createElement("label");
    label.htmlFor = inputId;
    label.textContent = "Should have been (an intent)";
    var input = document.createElement("input");
    input.type = "text";
    input.id = inputId;
    input.setAttribute("list", "intents");
    input.maxLength = 64;
    input.autocomplete = "off";
    input.value = message.flag || "";
    var save = document.createElement("button");
    save.type = "submit";
    save.className = "primary";
    save.textContent = "Save flag";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(save);
    open.addEventListener("click", function () {
      form.hidden = !form.hidden;
      open.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) input.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var intent = input.value.trim();
      if (!intent) return;
      showError("");
      api("PUT", "/api/staff/review/messages/" + message.id + "/flag", { intent: intent })
        .then(function (result) {
          say(result.new_intent
            ? "Flagged with a new intent: " + result.intent + "."
            : "Flagged as " + result.intent + ".");
          return loadConversation();
        })
        .catch(function (error) { showError("The flag was not saved (" + error.message + ")."); });
    });
    box.appendChild(form);
    item.appendChild(box);
  }

  function renderMessages(messages) {
    var list = $("messages");
    list.textContent = "";
    messages.forEach(function (message) {
      var from = LABELS[message.from] ? message.from : "assistant";
      var item = document.createElement("li");
      item.className = "msg msg--" + from;
      item.dataset.message = message.id;
      var meta = document.createElement("span");
      meta.className = "msg-meta";
      meta.textContent = LABELS[from] + (message.advisor ? " (" + message.advisor + ")" : "") +
        " · " + when(message.at);
      var text = document.createElement("p");
      text.textContent = message.text;
      item.appendChild(meta);
      item.appendChild(text);
      if (from === "person") {
        item.appendChild(reading(message));
        // Button taps and the stand-ins for personal answers carry no words to learn from.
        if (message.text.charAt(0) !== "/" && message.text.indexOf("[answer to: ") !== 0) {
          flagControls(message, item);
        }
      }
      list.appendChild(item);
    });
  }

  function renderReferral(referral) {
    var list = $("referral");
    list.textContent = "";
    list.hidden = !referral;
    $("no-referral").hidden = !!referral;
    if (!referral) return;
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
    if (!notes.length) {
      var none = document.createElement("li");
      none.textContent = "No notes.";
      list.appendChild(none);
    }
    notes.forEach(function (note) {
      var item = document.createElement("li");
      item.textContent = note.text + " — " + (note.author || "staff") + ", " + when(note.at);
      list.appendChild(item);
    });
  }

  function renderTags(tags) {
    var list = $("tags");
    list.textContent = "";
    tags.forEach(function (tag) {
      var item = document.createElement("li");
      item.appendChild(document.createTextNode(tag));
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", "Remove tag " + tag);
      remove.addEventListener("click", function () {
        api("DELETE", "/api/staff/review/conversations/" + encodeURIComponent(conversationId) +
          "/tags/" + encodeURIComponent(tag))
          .then(function (result) { renderTags(result.tags); say("Tag removed."); })
          .catch(function (error) { showError("That did not work (" + error.message + ")."); });
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function renderReview(state) {
    reviewed = state.reviewed;
    $("reviewed-state").textContent = state.reviewed
      ? "Reviewed by " + (state.reviewed_by || "staff") + ", " + when(state.reviewed_at) + "."
      : "Not reviewed yet.";
    $("mark").textContent = state.reviewed ? "Mark not reviewed" : "Mark reviewed";
  }

  function renderConversation(data) {
    $("summary-line").textContent = [
      CHANNELS[data.channel] || data.channel,
      "Started " + when(data.created_at),
      data.district ? "District: " + data.district : "District not known",
      data.reason ? "Handover: " + data.reason : "",
      data.outcome ? "Outcome: " + data.outcome : ""
    ].filter(Boolean).join(" · ");
    renderMessages(data.messages || []);
    renderReferral(data.referral);
    renderNotes(data.notes || []);
    renderTags(data.review.tags || []);
    renderReview(data.review);
  }

  function loadConversation() {
    return api("GET", "/api/staff/review/conversations/" + encodeURIComponent(conversationId))
      .then(renderConversation)
      .catch(function (error) {
        showError("This conversation could not be loaded (" + error.message + ").");
      });
  }

  function reviewConversationPage() {
    wireLogout();
    var back = new URLSearchParams(location.search).get("back");
    if (back && back.charAt(0) === "?") $("back").href = "/console/review" + back;
    $("mark").addEventListener("click", function () {
      api("PUT", "/api/staff/review/conversations/" + encodeURIComponent(conversationId) +
        "/reviewed", { reviewed: !reviewed })
        .then(function (state) {
          renderReview(state);
          say(state.reviewed ? "Marked reviewed." : "Review mark taken off.");
        })
        .catch(function (error) { showError("That did not work (" + error.message + ")."); });
    });
    $("tag-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var tag = $("tag").value.trim();
      if (!tag) return;
      showError("");
      api("POST", "/api/staff/review/conversations/" + encodeURIComponent(conversationId) +
        "/tags", { tag: tag })
        .then(function (result) { $("tag").value = ""; renderTags(result.tags); say("Tag added."); })
        .catch(function (error) { showError("The tag was not added (" + error.message + ")."); });
    });
    loadMe()
      .then(function () { return api("GET", "/api/staff/review/choices"); })
      .then(function (choices) {
        var list = $("intents");
        (choices.intents || []).forEach(function (intent) {
          var option = document.createElement("option");
          option.value = intent;
          list.appendChild(option);
        });
      })
      .then(loadConversation)
      .catch(function (error) { showError("The page could not be loaded (" + error.message + ")."); });
  }

  window.staffPages = {
    $: $, api: api, loadMe: loadMe, wireLogout: wireLogout, showError: showError, cell: cell
  };

  function init() {
    var page = document.body.dataset.page;
    if (page === "review") reviewPage();
    else if (page === "review-conversation") reviewConversationPage();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
