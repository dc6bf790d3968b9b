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
})();
