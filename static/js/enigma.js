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

  /* The header on a phone: the navigation, the privacy screen and the account menu fold
     behind a Menu button, so the page starts near the top of the screen. Without this
     script the header shows everything, as on a wide screen. */
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-menu-toggle]");
    var header = document.querySelector(".site-header");
    if (!button || !header) return;
    header.classList.add("site-header--collapsible");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("site-header--open", open);
    });
  });

  /* A table wider than the screen scrolls inside its own box, not the page: the box is a
     labelled region that takes focus, so the keyboard can scroll it too. (Tables marked
     table--stack, and the work table, are laid out as cards on a phone by the stylesheet;
     on a tablet they may still need the box.) */
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return squash(caption.textContent);
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    // Else the nearest heading before it.
    for (var node = table; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) return squash(before.textContent);
      }
    }
    return "Table";
  }

  function squash(text) { return text.replace(/\s+/g, " ").trim(); }

  function wrapTables(root) {
    var tables = (root || document).querySelectorAll("table.table");
    Array.prototype.forEach.call(tables, function (table) {
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      if (box.hasAttribute("role")) return;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", tableName(table));
      box.setAttribute("tabindex", "0");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { wrapTables(document); });
  document.addEventListener("htmx:afterSettle", function () { wrapTables(document); });
})();
