// Offer and contract pages: milestones added and removed on the offer form, the contract type
// switch, the milestones total, character counters and confirmations.
// No inline scripts: the CSP forbids them. Without this script the offer form still works for
// one milestone, and both term sections stay visible.
(function () {
  "use strict";

  function cents(text) {
    var cleaned = String(text || "").replace(/[$,\s]/g, "");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) { return null; }
    return Math.round(parseFloat(cleaned) * 100);
  }

  function dollars(value) {
    return "$" + (value / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function setupMilestones(form) {
    var list = document.getElementById("milestones");
    var template = document.getElementById("milestone-template");
    var add = document.getElementById("add-milestone");
    var total = document.getElementById("milestones-total");
    if (!list || !template || !add) { return; }
    var max = parseInt(list.getAttribute("data-max"), 10) || 20;
    var serial = list.querySelectorAll("[data-milestone-row]").length;

    function rows() { return list.querySelectorAll("[data-milestone-row]"); }

    function refresh() {
      var all = rows();
      var sum = 0;
      var ok = true;
      all.forEach(function (row, index) {
        var legend = row.querySelector("legend");
        if (legend) { legend.textContent = "Milestone " + (index + 1); }
        var remove = row.querySelector("[data-remove-milestone]");
        if (remove) { remove.hidden = all.length < 2; }
        var amount = row.querySelector("[data-milestone-amount]");
        var value = amount ? cents(amount.value) : null;
        if (value === null) { ok = false; } else { sum += value; }
      });
      add.hidden = all.length >= max;
      if (total) { total.textContent = ok && all.length ? dollars(sum) : "—"; }
    }

    add.hidden = false;
    add.addEventListener("click", function () {
      if (rows().length >= max) { return; }
      serial += 1;
      var html = template.innerHTML.split("__n__").join(String(serial));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      var first = row.querySelector("input");
      if (first) { first.focus(); }
      refresh();
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-milestone]");
      if (!button) { return; }
      var row = button.closest("[data-milestone-row]");
      if (row && rows().length > 1) { row.remove(); refresh(); add.focus(); }
    });
    list.addEventListener("input", refresh);
    refresh();
  }

  function setupKind(form) {
    var radios = form.querySelectorAll("[data-kind-toggle]");
    function show() {
      var chosen = form.querySelector("[data-kind-toggle]:checked");
      var kind = chosen ? chosen.value : "fixed";
      form.querySelectorAll("[data-kind-section]").forEach(function (section) {
        section.hidden = section.getAttribute("data-kind-section") !== kind;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  }

  function setupCounter(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-counter"));
    if (!out) { return; }
    var max = parseInt(out.getAttribute("data-max") || textarea.getAttribute("maxlength"), 10);
    function update() {
      out.textContent = textarea.value.length + " / " + max + " characters";
      out.classList.toggle("text-danger", textarea.value.length > max);
    }
    textarea.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("offer-form");
    if (form) { setupKind(form); setupMilestones(form); }
    document.querySelectorAll("textarea[data-counter]").forEach(setupCounter);
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
