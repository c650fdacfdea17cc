// Earnings page: show the fields of the kind of bank account chosen (IBAN or US bank).
// Without JavaScript both sets of fields stay visible and the radio decides. No inline scripts.
(function () {
  "use strict";

  function setup(form) {
    var radios = form.querySelectorAll('input[name="kind"]');
    function update() {
      var chosen = form.querySelector('input[name="kind"]:checked');
      var kind = chosen ? chosen.value : "iban";
      form.querySelectorAll("[data-kind]").forEach(function (el) {
        el.hidden = el.getAttribute("data-kind") !== kind;
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("payout-method-form");
    if (form) { setup(form); }
  });
})();
