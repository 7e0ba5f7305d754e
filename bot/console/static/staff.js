/* What every staff page shares: element lookup, the error and live lines, the staff API with
 * the CSRF token, who is signed in, and signing out. Plain JavaScript, no build; loaded before
 * each page's own script, which reads it as window.StaffPage. */
(function () {
  "use strict";

  var CSRF_KEY = "consoleCsrf"; // one sign-in for every staff page
  var LOGIN = "/api/staff/login";

  function $(id) { return document.getElementById(id); }

  function showError(text) {
    var line = $("error");
    if (!line) return;
    line.textContent = text || "";
    line.hidden = !text;
  }

  function say(text) {
    var live = $("live");
    if (live) live.textContent = text;
  }

  // The raw response (for a download); a 401, other than a refused sign-in, goes to the
  // sign-in page and back.
  function send(method, url, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = sessionStorage.getItem(CSRF_KEY) || "";
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401 && url !== LOGIN) {
        location.assign("/console/login?next=" + encodeURIComponent(location.pathname));
        throw new Error("signed out");
      }
      return response;
    });
  }

  // JSON in and out; an error answer becomes an Error with its status and detail.
  function api(method, url, body) {
    return send(method, url, body).then(function (response) {
      return response.text().then(function (raw) {
        var data = raw ? JSON.parse(raw) : null;
        if (!response.ok) {
          var detail = data && data.detail;
          var error = new Error(typeof detail === "string" ? detail : "HTTP " + response.status);
          error.status = response.status;
          error.detail = detail;
          throw error;
        }
        return data;
      });
    });
  }

  function loadMe() {
    return api("GET", "/api/staff/me").then(function (who) {
      if (who.csrf_token) sessionStorage.setItem(CSRF_KEY, who.csrf_token);
      $("who").textContent = who.username + " (" + who.role + ")";
      return who;
    });
  }

  function wireLogout() {
    $("logout").addEventListener("click", function () {
      api("POST", "/api/staff/logout").catch(function () { /* signed out either way */ })
        .then(function () {
          sessionStorage.removeItem(CSRF_KEY);
          location.assign("/console/login");
        });
    });
  }

  window.StaffPage = {
    CSRF_KEY: CSRF_KEY,
    $: $,
    showError: showError,
    say: say,
    send: send,
    api: api,
    loadMe: loadMe,
    wireLogout: wireLogout
  };
})();
