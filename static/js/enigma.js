/* Enigma's only script. No inline handlers anywhere: the page runs under a strict CSP.

   Privacy screen: the coordinator's desk is in a room full of students. The button in
   the header, or Escape pressed twice, blanks the page at once; it stays blank until the
   person chooses to show it again. */
(function () {
  "use strict";

  var screen, returnButton, savedTitle, lastEscape = 0;

  function hide() {
    if (!screen || !screen.hidden) return;
    savedTitle = document.title;
    document.title = "Enigma";
    screen.hidden = false;
    document.body.classList.add("privacy-on");
    var main = document.getElementById("main");
    if (main) main.setAttribute("inert", "");
    returnButton.focus();
  }

  function show() {
    if (!screen || screen.hidden) return;
    screen.hidden = true;
    document.body.classList.remove("privacy-on");
    document.title = savedTitle || document.title;
    var main = document.getElementById("main");
    if (main) main.removeAttribute("inert");
    var trigger = document.querySelector("[data-privacy-screen]");
    if (trigger) trigger.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    screen = document.getElementById("privacy-screen");
    if (!screen) return;
    returnButton = screen.querySelector("[data-privacy-return]");
    document.querySelectorAll("[data-privacy-screen]").forEach(function (button) {
      button.addEventListener("click", hide);
    });
    returnButton.addEventListener("click", show);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 600) {
      hide();
      lastEscape = 0;
    } else {
      lastEscape = now;
    }
  });

  /* Move focus to the error summary after a failed submission, so it is read first. */
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });

  /* A file larger than the server takes is refused at its field before it is sent (the
     server refuses it too, from its size, without reading it). */
  function checkSize(input) {
    var most = parseInt(input.getAttribute("data-max-bytes"), 10);
    var tooBig = Array.prototype.some.call(input.files || [], function (file) {
      return file.size > most;
    });
    var message = tooBig
      ? "This file is too large: the most Enigma accepts here is " +
        input.getAttribute("data-max-text") + ". Choose a smaller file."
      : "";
    input.setCustomValidity(message);
    var note = input.parentNode.querySelector(".field__error--size");
    if (tooBig && !note) {
      note = document.createElement("p");
      note.className = "field__error field__error--size";
      input.parentNode.insertBefore(note, input.nextSibling);
    }
    if (note) {
      note.textContent = message;
      note.hidden = !tooBig;
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) checkSize(input);
  });

  /* Forms here are novalidate (the server's messages are the ones shown), so the size
     check stops the submission itself. */
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
    Array.prototype.forEach.call(inputs, function (input) {
      checkSize(input);
      if (input.validationMessage && !event.defaultPrevented) {
        event.preventDefault();
        input.focus();
      }
    });
  });

  /* A form marked data-unsaved-warning asks before the page is left with edits not yet
     saved: its answers differ from those it had when the page loaded or at the last
     autosave the server confirmed (its answer carries Enigma-Saved: 1), and it is not
     being sent with its own buttons. */
  var snapshots = new WeakMap();

  function answers(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") pairs.push(name + "=" + value);
    });
    return pairs.join("&");
  }

  function watchedForm(element) {
    return element && element.closest ? element.closest("form[data-unsaved-warning]") : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
      snapshots.set(form, { saved: answers(form), sending: null, leaving: false });
    });
  });

  document.addEventListener("submit", function (event) {
    var form = watchedForm(event.target);
    if (form && snapshots.has(form) && !event.defaultPrevented) snapshots.get(form).leaving = true;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = watchedForm(event.detail.elt);
    if (form && snapshots.has(form)) snapshots.get(form).sending = answers(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = watchedForm(event.detail.elt);
    var xhr = event.detail.xhr;
    if (form && snapshots.has(form) && xhr && xhr.getResponseHeader("Enigma-Saved") === "1") {
      var state = snapshots.get(form);
      if (state.sending !== null) state.saved = state.sending;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var forms = document.querySelectorAll("form[data-unsaved-warning]");
    var unsaved = Array.prototype.some.call(forms, function (form) {
      var state = snapshots.get(form);
      return state && !state.leaving && answers(form) !== state.saved;
    });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
