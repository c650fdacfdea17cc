// Account pages: the skill picker, character counters, confirmations, select-on-focus.
// No inline scripts anywhere (the CSP forbids them); everything hangs on data- attributes.
(function () {
  "use strict";

  function skillPicker() {
    var filter = document.querySelector("[data-skill-filter]");
    var counter = document.querySelector("[data-skill-count]");
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="skills"]'));
    if (!boxes.length) { return; }
    var max = counter ? parseInt(counter.getAttribute("data-skill-max"), 10) || 15 : 15;

    function refresh() {
      var chosen = boxes.filter(function (b) { return b.checked; }).length;
      if (counter) { counter.textContent = chosen + " of " + max + " chosen"; }
      boxes.forEach(function (b) { b.disabled = !b.checked && chosen >= max; });
    }
    boxes.forEach(function (b) { b.addEventListener("change", refresh); });
    refresh();

    if (filter) {
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        document.querySelectorAll("[data-skill-group]").forEach(function (group) {
          var shown = 0;
          group.querySelectorAll("[data-skill-option]").forEach(function (opt) {
            var match = !q || opt.getAttribute("data-skill-name").indexOf(q) !== -1;
            opt.classList.toggle("d-none", !match);
            if (match) { shown += 1; }
          });
          group.classList.toggle("d-none", shown === 0);
          if (q && shown) { group.open = true; }
        });
      });
    }
  }

  function charCounters() {
    document.querySelectorAll("[data-char-count]").forEach(function (field) {
      var out = document.getElementById(field.getAttribute("data-char-count"));
      if (!out) { return; }
      var max = field.getAttribute("maxlength");
      var update = function () {
        out.textContent = field.value.length.toLocaleString() + " / " + Number(max).toLocaleString();
      };
      field.addEventListener("input", update);
      update();
    });
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function selectOnFocus() {
    document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    skillPicker();
    charCounters();
    confirmations();
    selectOnFocus();
  });
})();
