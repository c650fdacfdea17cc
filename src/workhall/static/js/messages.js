// Conversations (marketplace.md §8): keep the newest message in view, clear the form after an
// htmx send, show why a send failed, drop a message appended twice (the poll and a send may
// both bring it), and count characters. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function list() { return document.getElementById("message-list"); }

  function scrollToEnd() {
    var el = list();
    if (el) { el.scrollTop = el.scrollHeight; }
  }

  function dropDuplicates() {
    var el = list();
    if (!el) { return; }
    var seen = {};
    el.querySelectorAll("[data-message-id]").forEach(function (node) {
      var id = node.getAttribute("data-message-id");
      if (seen[id]) { node.remove(); } else { seen[id] = true; }
    });
  }

  function setupCounter(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-counter"));
    if (!out) { return; }
    var max = parseInt(out.getAttribute("data-max") || textarea.getAttribute("maxlength"), 10);
    function update() {
      var n = textarea.value.length;
      out.textContent = n ? n + " / " + max + " characters" : "";
      out.classList.toggle("text-danger", n > max);
    }
    textarea.addEventListener("input", update);
    update();
  }

  function showError(text) {
    var box = document.getElementById("send-error");
    if (box) { box.textContent = text; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollToEnd();
    document.querySelectorAll("textarea[data-counter]").forEach(setupCounter);
    var body = document.getElementById("body");
    var form = document.getElementById("send-form");
    if (body && form) {
      // Enter sends, Shift+Enter starts a new line.
      body.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          if (body.value.trim()) { form.requestSubmit(); }
        }
      });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "message-list") {
      dropDuplicates();
      scrollToEnd();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "send-form") { return; }
    if (event.detail.successful) {
      form.reset();
      showError("");
      var textarea = form.querySelector("textarea");
      if (textarea) {
        textarea.classList.remove("is-invalid");
        textarea.dispatchEvent(new Event("input"));
        textarea.focus();
      }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "send-form") { return; }
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("content-type") || "";
    showError(type.indexOf("text/plain") === 0 && xhr.responseText
      ? xhr.responseText
      : "The message could not be sent. Reload the page and try again.");
    var textarea = form.querySelector("textarea");
    if (textarea) { textarea.classList.add("is-invalid"); }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "send-form") {
      showError("You seem to be offline. Your message was not sent.");
    }
  });
})();
