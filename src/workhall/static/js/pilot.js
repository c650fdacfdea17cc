// Staff pilot report: one bar chart of the share who won a first contract, per arm. The numbers
// come from the page's JSON block (the CSP forbids inline scripts); the table holds the same.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("pilot-data");
    var canvas = document.getElementById("chart-pilot-share");
    if (!block || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.arms,
        datasets: [{
          label: "Won a first contract (%)",
          data: data.share_won,
          backgroundColor: ["#14a800", "#6c757d"]
        }]
      },
      options: {
        responsive: true,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "%" } } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
