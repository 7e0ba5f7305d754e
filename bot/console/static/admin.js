/* Admin pages: the audit log, data protection and content settings. Plain JavaScript, no build.
 * Every value from the server is set with textContent or .value, so markup in it never runs. */
(function () {
  "use strict";

  var staff = window.StaffPage; // staff.js: shared by every staff page
  var $ = staff.$, showError = staff.showError, say = staff.say;
  var wireLogout = staff.wireLogout;

  var signedIn = null; // who is signed in, once known (and the CSRF token with it)

  // A change waits until the CSRF token is stored (the page may still be loading who it is).
  function afterSignIn(call) {
    return function (method, url, body) {
      if (method !== "GET" && signedIn) {
        return signedIn.then(function () { return call(method, url, body); });
      }
      return call(method, url, body);
    };
  }
  var request = afterSignIn(staff.send); // the raw response, for a download
  var api = afterSignIn(staff.api);

  function loadMe() { return staff.loadMe(); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString("en-GB", { timeZone: "Europe/London" });
  }

  /* ---- Audit log ---- */
  var nextBefore = null;
  var choicesFilled = false;

  function fillChoices(select, values) {
    values.forEach(function (value) {
      var option = el("option", value);
      option.value = value;
      select.appendChild(option);
    });
  }

  function auditQuery(before) {
    var params = new URLSearchParams();
    ["from", "to", "action", "staff", "conversation"].forEach(function (name) {
      var value = $(name).value.trim();
      if (value) params.set(name, value);
    });
    if (before) params.set("before", before);
    return "/api/staff/admin/audit?" + params.toString();
  }

  function loadAudit(append) {
    showError("");
    return api("GET", auditQuery(append ? nextBefore : null)).then(function (page) {
      if (!choicesFilled) {
        fillChoices($("action"), page.actions);
        fillChoices($("staff"), page.staff);
        choicesFilled = true;
      }
      var body = $("audit-rows");
      if (!append) body.textContent = "";
      page.events.forEach(function (event) {
        var row = el("tr");
        row.appendChild(el("td", when(event.at)));
        row.appendChild(el("td", event.action));
        row.appendChild(el("td", event.staff || (event.client && event.client.indexOf("command line") === 0 ? event.client : "")));
        row.appendChild(el("td", event.conversation_id || ""));
        row.appendChild(el("td", event.detail || "", "detail"));
        row.appendChild(el("td", event.client || ""));
        body.appendChild(row);
      });
      nextBefore = page.next_before;
      $("more").hidden = !nextBefore;
      var shown = body.children.length;
      say(shown ? shown + (shown === 1 ? " entry" : " entries") + " shown." : "No entries match.");
    }).catch(function (error) {
      showError("The audit log could not be loaded (" + error.message + ").");
    });
  }

  function auditPage() {
    $("audit-filter").addEventListener("submit", function (event) {
      event.preventDefault();
      loadAudit(false);
    });
    $("more").addEventListener("click", function () { loadAudit(true); });
    loadAudit(false);
  }

  /* ---- Data protection ---- */
  var subject = null;

  var KINDS = {
    conversations: "Conversation record",
    messages: "Messages",
    referrals: "Self-referrals",
    consent_records: "Consent records",
    callback_requests: "Call-back requests",
    conversation_notes: "Advisors' notes",
    contacts: "Contacts (kept as anonymous counts)",
    contacts_anonymised: "Contacts (kept as anonymous counts)",
    telegram_chats: "Telegram link",
    webchat_sessions: "Web chat session",
    tracker_events: "The assistant's record (tracker events)"
  };

  function showCounts(found) {
    var body = $("found-rows");
    body.textContent = "";
    Object.keys(found.counts).sort().forEach(function (kind) {
      var row = el("tr");
      row.appendChild(el("td", KINDS[kind] || kind.replace(/_/g, " ")));
      row.appendChild(el("td", String(found.counts[kind])));
      body.appendChild(row);
    });
    $("found-summary").textContent = found.conversation_ids.length + " conversation(s): " +
      found.conversation_ids.join(", ");
    $("found").hidden = false;
  }

  function download(format) {
    showError("");
    request("POST", "/api/staff/admin/privacy/export", { id: subject, format: format })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        var name = (response.headers.get("Content-Disposition") || "").split('filename="')[1];
        return response.blob().then(function (blob) {
          var link = el("a");
          link.href = URL.createObjectURL(blob);
          link.download = name ? name.replace(/"$/, "") : "subject-access." + format;
          document.body.appendChild(link);
          link.click();
          link.remove();
          say("Export downloaded.");
        });
      })
      .catch(function (error) { showError("The export failed (" + error.message + ")."); });
  }

  function privacyPage() {
    $("lookup-form").addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      $("found").hidden = true;
      var given = $("subject").value.trim();
      api("POST", "/api/staff/admin/privacy/lookup", { id: given })
        .then(function (found) {
          subject = given;
          showCounts(found);
        })
        .catch(function (error) {
          showError(error.status === 404 ? "Nothing is held for that id." : error.message);
        });
    });
    $("export-json").addEventListener("click", function () { download("json"); });
    $("export-html").addEventListener("click", function () { download("html"); });
    $("erase-form").addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      api("POST", "/api/staff/admin/privacy/erase", { id: subject, confirm: $("erase-confirm").value.trim() })
        .then(function (done) {
          $("found").hidden = true;
          $("erase-confirm").value = "";
          say("Erased " + done.conversation_ids.length + " conversation(s).");
        })
        .catch(function (error) { showError(error.message); });
    });
  }

  /* ---- Content settings ---- */
  function initial(field) {
    if (field.value !== null) return field.value;
    return field.key === "service.hours" ? field.in_use : field.file_value;
  }

  function source(field) {
    var parts = [];
    if (field.value !== null) {
      parts.push("Set by " + (field.updated_by || "an admin") + ", " + when(field.updated_at) + ".");
      parts.push("File: " + (field.file_value || "empty") + ".");
    } else {
      parts.push("From the content file" + (field.key === "service.hours" && field.in_use && !field.file_value ? " or ADVISOR_HOURS" : "") + ".");
    }
    return parts.join(" ");
  }

  function renderField(field, form) {
    var box = el("div", null, "setting");
    var id = "f-" + field.key.replace(/[^A-Za-z0-9_-]/g, "-");
    var label = el("label", field.label);
    label.htmlFor = id;
    box.appendChild(label);
    var row = el("div", null, "setting-row");
    var input = el(field.multiline ? "textarea" : "input");
    if (!field.multiline) input.type = "text";
    else input.rows = 3;
    input.id = id;
    input.name = field.key;
    input.value = initial(field) || "";
    input.dataset.initial = input.value;
    input.setAttribute("aria-describedby", id + "-hint " + id + "-error");
    row.appendChild(input);
    if (field.value !== null) {
      var reset = el("button", "Use the file's value", "link");
      reset.type = "button";
      reset.setAttribute("aria-label", form.dataset.title + " " + field.label + ": use the file's value");
      reset.addEventListener("click", function () {
        var values = {};
        values[field.key] = null;
        save(values, form.dataset.title);
      });
      row.appendChild(reset);
    }
    box.appendChild(row);
    var hint = el("p", field.hint + ". " + source(field), "hint");
    hint.id = id + "-hint";
    box.appendChild(hint);
    var error = el("p", "", "field-error");
    error.id = id + "-error";
    error.hidden = true;
    box.appendChild(error);
    return box;
  }

  function renderGroups(groups) {
    var holder = $("groups");
    holder.textContent = "";
    groups.forEach(function (group) {
      var form = el("form", null, "setting-group");
      form.dataset.title = group.title;
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", group.title));
      group.fields.forEach(function (field) { fieldset.appendChild(renderField(field, form)); });
      form.appendChild(fieldset);
      var named = group.title.indexOf("The ") === 0 ? "the " + group.title.slice(4) : group.title;
      var button = el("button", "Save " + named, "primary");
      button.type = "submit";
      form.appendChild(button);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var values = {};
        Array.prototype.forEach.call(form.querySelectorAll("input, textarea"), function (input) {
          if (input.value !== input.dataset.initial) values[input.name] = input.value;
        });
        if (!Object.keys(values).length) { say("Nothing changed in " + group.title + "."); return; }
        save(values, group.title);
      });
      holder.appendChild(form);
    });
  }

  function save(values, title) {
    showError("");
    api("POST", "/api/staff/admin/content", { values: values })
      .then(function (result) {
        renderGroups(result.groups);
        say("Saved " + (title.indexOf("The ") === 0 ? "the " + title.slice(4) : title) + ": in use now.");
      })
      .catch(function (error) {
        var problems = error.detail && error.detail.errors;
        if (!problems) { showError("Saving failed (" + error.message + ")."); return; }
        showError("Not saved: please check the fields marked below.");
        Object.keys(problems).forEach(function (key) {
          var line = $("f-" + key.replace(/[^A-Za-z0-9_-]/g, "-") + "-error");
          if (line) { line.textContent = problems[key]; line.hidden = false; }
        });
      });
  }

  function contentPage() {
    api("GET", "/api/staff/admin/content").then(function (result) {
      renderGroups(result.groups);
    }).catch(function (error) {
      showError("The settings could not be loaded (" + error.message + ").");
    });
  }

  function init() {
    var page = document.body.dataset.page;
    wireLogout();
    // The forms are wired at once, so a quick click never submits them the browser's way.
    signedIn = loadMe();
    if (page === "admin-privacy") privacyPage();
    signedIn.then(function () {
      if (page === "admin-audit") auditPage();
      else if (page === "admin-content") contentPage();
    }).catch(function (error) { showError(error.message); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
