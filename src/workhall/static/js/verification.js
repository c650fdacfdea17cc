// Phone verification page: live countdown before "Send a new code" can be used again.
// The server enforces the 60-second spacing (trust.md §2.1); this only shows it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-countdown]").forEach(function (label) {
    var left = parseInt(label.getAttribute("data-countdown"), 10);
    var button = document.getElementById(label.getAttribute("data-countdown-for"));
    if (!(left > 0)) { return; }
    if (button) { button.disabled = true; }
    var timer = null;
    var tick = function () {
      if (left <= 0) {
        label.textContent = "You can ask for a new code now.";
        if (button) { button.disabled = false; }
        window.clearInterval(timer);
        return;
      }
      label.textContent = "You can ask for a new code in " + left + " second" + (left === 1 ? "" : "s") + ".";
      left -= 1;
    };
    tick();
    timer = window.setInterval(tick, 1000);
  });
});
