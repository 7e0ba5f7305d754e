/* The report page: contacts per district service, handover waits and referrals, as charts
 * (Chart.js, served by the gateway) and tables with the same numbers. */
(function () {
  "use strict";

  var pages = window.staffPages;
  var $ = pages.$;
  var charts = {};
  var COLOURS = ["#0b4f9c", "#2e7d32", "#b35c00", "#6a1b9a", "#a4161a", "#00695c", "#455a64"];
  var NOT_KNOWN = "not known";

  function table(id, header, rows, numeric) {
    var element = $(id);
    var caption = element.querySelector("caption");
    element.textContent = "";
    if (caption) element.appendChild(caption);
    var head = document.createElement("thead");
    var headRow = document.createElement("tr");
    header.forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    element.appendChild(head);
    var body = document.createElement("tbody");
    if (!rows.length) {
      var empty = document.createElement("tr");
      var td = pages.cell(empty, "Nothing in this period.");
      td.colSpan = header.length;
      body.appendChild(empty);
    }
    rows.forEach(function (values) {
      var row = document.createElement("tr");
      values.forEach(function (value, i) {
        pages.cell(row, value === null || value === undefined ? "" : String(value),
          i >= numeric ? "num" : "");
      });
      body.appendChild(row);
    });
    element.appendChild(body);
  }

  function draw(id, config) {
    if (!window.Chart) return;
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false,
      animation: false }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function minutes(seconds) {
    return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10;
  }

  function place(row) {
    return [row.month, row.district || NOT_KNOWN, row.provider || NOT_KNOWN];
  }

  function showContacts(report) {
    var outcomes = report.outcomes;
    draw("chart-outcomes", {
      type: "bar",
      data: {
        labels: report.months,
        datasets: outcomes.map(function (outcome, i) {
          return { label: outcome, data: report.outcomes_per_month[outcome],
            backgroundColor: COLOURS[i % COLOURS.length] };
        })
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
        ticks: { precision: 0 } } } }
    });
    table("table-outcomes", ["Month", "District", "Provider"].concat(outcomes, ["Total"]),
      report.by_outcome.map(function (row) {
        return place(row).concat(outcomes.map(function (o) { return row[o]; }), [row.total]);
      }), 3);
    draw("chart-districts", {
      type: "bar",
      data: {
        labels: report.per_district.map(function (d) { return d.district; }),
        datasets: [{ label: "Contacts", data: report.per_district.map(function (d) { return d.total; }),
          backgroundColor: COLOURS[0] }]
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    table("table-districts", ["District", "Contacts"],
      report.per_district.map(function (d) { return [d.district, d.total]; }), 1);
    var channels = report.channels;
    table("table-channels", ["Month", "District", "Provider"].concat(channels, ["Total"]),
      report.by_channel.map(function (row) {
        return place(row).concat(channels.map(function (c) { return row[c]; }), [row.total]);
      }), 3);
    var topics = {};
    report.by_topic.forEach(function (row) {
      var key = [row.district || NOT_KNOWN, row.provider || NOT_KNOWN, row.topic].join("\u0000");
      topics[key] = (topics[key] || 0) + row.count;
    });
    table("table-topics", ["District", "Provider", "Topic", "Contacts"],
      Object.keys(topics).sort().map(function (key) {
        return key.split("\u0000").concat([topics[key]]);
      }), 3);
  }

  function showHandovers(report) {
    $("hours-line").textContent = report.hours_known
      ? "Out of hours: the wait began outside the advisors' hours (" + report.hours + ", UK time)."
      : "The advisors' hours are not set (ADVISOR_HOURS), so out-of-hours waits are not counted.";
    draw("chart-waits", {
      type: "line",
      data: {
        labels: report.months.map(function (m) { return m.month; }),
        datasets: [
          { label: "Median wait (minutes)", borderColor: COLOURS[0], backgroundColor: COLOURS[0],
            data: report.months.map(function (m) { return minutes(m.median_wait_s); }) },
          { label: "90th percentile wait (minutes)", borderColor: COLOURS[2],
            backgroundColor: COLOURS[2],
            data: report.months.map(function (m) { return minutes(m.p90_wait_s); }) }
        ]
      },
      options: { spanGaps: true, scales: { y: { beginAtZero: true } } }
    });
    var rows = report.months.concat([Object.assign({ month: "Whole period" }, report.total)]);
    table("table-handovers", ["Month", "Handovers", "Claimed", "Not claimed",
      "Median wait (min)", "90th percentile (min)", "Out of hours"],
      rows.map(function (m) {
        return [m.month, m.handovers, m.claimed, m.not_claimed, minutes(m.median_wait_s),
          minutes(m.p90_wait_s), m.out_of_hours === null ? "not known" : m.out_of_hours];
      }), 1);
  }

  function showReferrals(report) {
    var statuses = report.probation_statuses;
    var names = { yes: "On probation", no: "Not on probation",
      prefer_not_to_say: "Preferred not to say" };
    var rows = report.needs.map(function (n) {
      return [n.label, n.strand ? "strand" : "welfare need"]
        .concat(statuses.map(function (s) { return n[s]; }), [n.total]);
    });
    rows.push(["All referrals", ""].concat(statuses.map(function (s) {
      return report.referrals[s];
    }), [report.referrals.total]));
    table("table-referrals", ["Need", "Kind"].concat(statuses.map(function (s) {
      return names[s] || s;
    }), ["Total"]), rows, 2);
  }

  function load() {
    var query = new URLSearchParams();
    if ($("p-from").value) query.set("from", $("p-from").value);
    if ($("p-to").value) query.set("to", $("p-to").value);
    var qs = query.toString();
    pages.showError("");
    return Promise.all([
      pages.api("GET", "/api/staff/reports/contacts?" + qs),
      pages.api("GET", "/api/staff/reports/handovers?" + qs),
      pages.api("GET", "/api/staff/reports/referrals?" + qs)
    ]).then(function (found) {
      var contacts = found[0];
      $("p-from").value = contacts.from;
      $("p-to").value = contacts.to;
      var period = "from=" + contacts.from + "&to=" + contacts.to + "&format=csv";
      ["contacts", "handovers", "referrals"].forEach(function (name) {
        $("csv-" + name).href = "/api/staff/reports/" + name + "?" + period;
      });
      $("suppress-line").textContent = contacts.suppress_below > 1
        ? "CSV files to share: counts from 1 to " + (contacts.suppress_below - 1) +
          " show as \u201c<" + contacts.suppress_below + "\u201d. Every download is recorded."
        : "CSV files to share. Every download is recorded.";
      $("period-line").textContent = "Showing " + contacts.from + " to " + contacts.to + ".";
      showContacts(contacts);
      showHandovers(found[1]);
      showReferrals(found[2]);
    }).catch(function (error) {
      pages.showError("The reports could not be loaded (" + error.message + ").");
    });
  }

  function init() {
    pages.wireLogout();
    $("period").addEventListener("submit", function (event) {
      event.preventDefault();
      load();
    });
    pages.loadMe().then(load);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
