// Proposal pages: cover letter counter, Connects left after a boost, confirmations.
// No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function setupCounter(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-counter"));
    if (!out) { return; }
    var max = parseInt(out.getAttribute("data-max") || textarea.getAttribute("maxlength"), 10);
    function update() {
      var n = textarea.value.length;
      out.textContent = n + " / " + max + " characters";
      out.classList.toggle("text-danger", n > max);
    }
    textarea.addEventListener("input", update);
    update();
  }

  function setupConnectsLeft(form) {
    var left = document.getElementById("connects-left");
    var boost = form.querySelector('input[name="boost"]');
    if (!left) { return; }
    var balance = parseInt(form.getAttribute("data-balance"), 10) || 0;
    var price = parseInt(form.getAttribute("data-price"), 10) || 0;
    function update() {
      var bid = boost ? parseInt(boost.value, 10) || 0 : 0;
      var rest = balance - price - Math.max(bid, 0);
      left.textContent = String(rest);
      left.classList.toggle("text-danger", rest < 0);
    }
    if (boost) { boost.addEventListener("input", update); }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-counter]").forEach(setupCounter);
    var form = document.getElementById("apply-form");
    if (form) { setupConnectsLeft(form); }
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
