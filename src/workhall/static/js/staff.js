// Staff console: the marketplace health charts. The numbers come from the page's JSON block
// (no inline scripts: the CSP forbids them); the tables on the page hold the same numbers.
(function () {
  "use strict";

  var GREEN = "#14a800";
  var BLUE = "#1f57c3";
  var GREY = "#6c757d";

  function line(canvas, labels, datasets, options) {
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({
        responsive: true,
        spanGaps: true,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: { beginAtZero: true } }
      }, options || {})
    });
  }

  function series(label, values, colour) {
    return { label: label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.25 };
  }

  function draw(data) {
    var months = data.months;
    var el = function (id) { return document.getElementById(id); };
    if (el("chart-proposals")) {
      line(el("chart-proposals"), months, [series("Proposals per job", data.proposals_per_job, GREEN)]);
    }
    if (el("chart-hire-rate")) {
      line(el("chart-hire-rate"), months, [series("Hire rate (%)", data.hire_rate, GREEN)],
        { scales: { y: { beginAtZero: true, max: 100 } } });
    }
    if (el("chart-time-to-hire")) {
      line(el("chart-time-to-hire"), months, [
        series("Median days", data.median_days_to_hire, GREEN),
        series("Mean days", data.mean_days_to_hire, BLUE)
      ]);
    }
    if (el("chart-top-rated")) {
      line(el("chart-top-rated"), months, [series("Top Rated share (%)", data.top_rated_share, GREEN)],
        { scales: { y: { beginAtZero: true, max: 100 } } });
    }
    if (el("chart-jss")) {
      var buckets = data.jss_buckets || Object.keys(data.jss);
      new window.Chart(el("chart-jss"), {
        type: "bar",
        data: {
          labels: buckets,
          datasets: [{
            label: "Freelancers",
            data: buckets.map(function (b) { return data.jss[b]; }),
            backgroundColor: buckets.map(function (b) { return b === "none" ? GREY : GREEN; })
          }]
        },
        options: { responsive: true, plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var block = document.getElementById("health-data");
    if (!block || !window.Chart) { return; }
    try {
      draw(JSON.parse(block.textContent));
    } catch (err) {
      if (window.console) { window.console.error("health charts:", err); }
    }
  });
})();
