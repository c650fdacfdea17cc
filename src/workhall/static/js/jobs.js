// Post a job: show the budget fields of the chosen budget type (all stay visible without JS).
(function () {
  function sync() {
    var checked = document.querySelector('input[name="budget_type"]:checked');
    if (!checked) { return; }
    document.querySelectorAll("[data-budget-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-budget-for") !== checked.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('input[name="budget_type"]').forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  });
})();
