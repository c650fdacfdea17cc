// My Stats and JSS page charts (reputation.md §5). The numbers come from the page's
// <script type="application/json" id="stats-data"> block (the same object as GET /api/v1/me/stats);
// each chart is drawn only when its canvas is on the page.
(function () {
  "use strict";

  var GREEN = "#14a800";
  var GREEN_SOFT = "rgba(20, 168, 0, 0.15)";
  var GREY = "#94a3b8";
  var RED = "#dc3545";

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function monthLabel(key) {
    var parts = key.split("-");
    var d = new Date(Date.UTC(Number(parts[0]), Number(parts[1]) - 1, 1));
    return d.toLocaleDateString(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
  }

  function dayLabel(iso) {
    return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
  }

  function dollars(cents) {
    return "$" + (cents / 100).toLocaleString(undefined, { maximumFractionDigits: 0 });
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    new Chart(canvas, config);
  }

  function statsCharts(s) {
    draw("chart-jss", {
      type: "line",
      data: {
        labels: s.jss.trend.map(function (p) { return dayLabel(p.instant); }),
        datasets: [{
          label: "Job Success Score",
          data: s.jss.trend.map(function (p) { return p.jss; }),
          borderColor: GREEN, backgroundColor: GREEN_SOFT, fill: true, spanGaps: false, tension: 0.25
        }]
      },
      options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
                 plugins: { legend: { display: false } } }
    });

    draw("chart-earnings", {
      type: "bar",
      data: {
        labels: s.earnings.months.map(function (m) { return monthLabel(m.month); }),
        datasets: [{ label: "Earnings", data: s.earnings.months.map(function (m) { return m.cents / 100; }),
                     backgroundColor: GREEN }]
      },
      options: {
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { label: function (c) { return dollars(c.parsed.y * 100); } } } },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return dollars(v * 100); } } } }
      }
    });

    var stages = s.funnel.stages.slice(1);
    draw("chart-funnel", {
      type: "bar",
      data: {
        labels: stages.map(function (st) { return st.name.charAt(0).toUpperCase() + st.name.slice(1); }),
        datasets: [
          { label: "You", data: stages.map(function (st) { return st.rate; }), backgroundColor: GREEN },
          { label: "Peers", data: stages.map(function (st) { return st.peer_rate; }), backgroundColor: GREY }
        ]
      },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
    });

    draw("chart-connects", {
      type: "bar",
      data: {
        labels: s.connects.months.map(function (m) { return monthLabel(m.month); }),
        datasets: [
          { label: "Spent", data: s.connects.months.map(function (m) { return m.spent; }), backgroundColor: GREY },
          { label: "Refunded", data: s.connects.months.map(function (m) { return m.refunded; }), backgroundColor: GREEN }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    draw("chart-feedback", {
      type: "bar",
      data: {
        labels: s.feedback.buckets.map(function (b) { return b.label; }),
        datasets: [{ label: "Reviews", data: s.feedback.buckets.map(function (b) { return b.count; }),
                     backgroundColor: s.feedback.buckets.map(function (b) { return Number(b.low) >= 4 ? GREEN : (Number(b.low) >= 3 ? GREY : RED); }) }]
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } },
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  function forecastChart(f) {
    draw("chart-forecast", {
      type: "line",
      data: {
        labels: f.map(function (p) { return dayLabel(p.at); }),
        datasets: [{ label: "Score if nothing else happens", data: f.map(function (p) { return p.score; }),
                     borderColor: GREEN, backgroundColor: GREEN_SOFT, stepped: true, fill: true }]
      },
      options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stats = readData("stats-data");
    if (stats) statsCharts(stats);
    var forecast = readData("forecast-data");
    if (forecast && forecast.length) forecastChart(forecast);
  });
})();
