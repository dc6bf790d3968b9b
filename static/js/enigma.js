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

  /* A wide table scrolls in its own labelled, focusable box: the server makes the box
     ({% scrollbox %}, enigma/templatetags/enigma_tables.py), so it works without script. */
})();

/* Record a concern from anywhere: Alt+Shift+R follows the header's "Record a concern"
   (the shortcut is announced there, by aria-keyshortcuts and its title, and on the page
   it opens). Alt+Shift is no browser's or screen reader's own combination with R. On the
   page, the down arrow moves from the search box to the first match. */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (!(event.altKey && event.shiftKey) || event.ctrlKey || event.metaKey) return;
    if (event.code !== "KeyR") return;
    if (document.body.classList.contains("privacy-on")) return;
    var link = document.querySelector("[data-record-shortcut]");
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.href);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" || !event.target.matches) return;
    if (!event.target.matches("[data-pick-input]")) return;
    var first = document.querySelector("[data-pick-result]");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();

/* "Other students involved" on the entry form: the matches come with htmx as one types;
   Add makes a chip (the student's name, a hidden input the form sends, and a Remove
   button) and Remove takes it away, here in the page, focus back in the search box and
   the change said aloud. Without this script the same buttons send the form back and
   the server does it. */
(function () {
  "use strict";

  function say(picker, words) {
    var status = picker.querySelector("#involve-status");
    if (status) status.textContent = words;
  }

  function add(button) {
    var picker = button.closest("[data-involve]");
    var chips = picker.querySelector("#involve-chips");
    var pk = button.value;
    var name = button.getAttribute("data-name");
    if (!chips.querySelector('input[value="' + pk + '"]')) {
      var chip = document.createElement("li");
      chip.className = "chip";
      chip.setAttribute("data-chip", "");
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "also_involves";
      input.value = pk;
      var group = document.createElement("span");
      group.className = "meta";
      group.textContent = "(" + button.getAttribute("data-group") + ")";
      var remove = document.createElement("button");
      remove.type = "submit";
      remove.name = "involve_remove";
      remove.value = pk;
      remove.className = "chip__remove";
      remove.setAttribute("data-involve-remove", "");
      remove.setAttribute("data-name", name);
      var cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = "Remove " + name;
      remove.append(cross, words);
      chip.append(input, name + " ", group, " ", remove);
      chips.append(chip);
      chips.hidden = false;
    }
    var search = picker.querySelector("[data-involve-input]");
    search.value = "";
    picker.querySelector("#involve-results").replaceChildren();
    say(picker, name + " added.");
    search.focus();
  }

  function remove(button) {
    var picker = button.closest("[data-involve]");
    var chips = picker.querySelector("#involve-chips");
    button.closest("[data-chip]").remove();
    chips.hidden = !chips.querySelector("[data-chip]");
    say(picker, button.getAttribute("data-name") + " removed.");
    picker.querySelector("[data-involve-input]").focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-involve-add], [data-involve-remove]");
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute("data-involve-add")) add(target);
    else remove(target);
  });

  /* Enter in the search box searches (the matches are already there), never records. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches) return;
    if (!event.target.matches("[data-involve-input]")) return;
    event.preventDefault();
    var first = event.target.closest("[data-involve]").querySelector("[data-involve-add]");
    if (first) first.focus();
  });
})();

/* Unsaved changes (the referral form). */
(function () {
  "use strict";

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

/* The register by keyboard (Today). Each pupil's marks (Present, Late, Absent, In class
   instead) are one Tab stop: the arrow keys move between them (← →) and between pupils (↑ ↓). "Skip to the
   register", or a link to a pupil's row, lands on the first pupil not yet marked (or
   that pupil). A pupil newly marked present (the server flags the row it sends back,
   data-register-advance) hands focus to the next pupil not yet marked; what was saved is
   said in the register's status line. Without this script every button is a Tab stop
   and the forms post as usual. */
(function () {
  "use strict";

  function groups(root) {
    return (root || document).querySelectorAll("#register .register-entry__status[role=group]");
  }

  function buttons(group) {
    return Array.prototype.slice.call(group.querySelectorAll(".status-button"));
  }

  // The button of a group that takes Tab: the one with focus, else the mark made, else the first.
  function rove(group, chosen) {
    var all = buttons(group);
    if (!all.length) return null;
    var stop = chosen || all.filter(function (b) { return b === document.activeElement; })[0] ||
      group.querySelector('[aria-pressed="true"]') || all[0];
    all.forEach(function (b) { b.tabIndex = b === stop ? 0 : -1; });
    return stop;
  }

  function roveAll() {
    Array.prototype.forEach.call(groups(), function (group) { rove(group); });
  }

  function entries() {
    return Array.prototype.slice.call(document.querySelectorAll("#register .register-entry"))
      .filter(function (row) { return row.querySelector(".register-entry__status[role=group]"); });
  }

  function land(row) {
    var group = row && row.querySelector(".register-entry__status[role=group]");
    var stop = group && rove(group);
    if (stop) stop.focus();
    return stop;
  }

  // The next pupil not yet marked after `row` (from the top again if need be).
  function nextUnmarked(row) {
    var rows = entries();
    var at = rows.indexOf(row);
    var order = rows.slice(at + 1).concat(rows.slice(0, at < 0 ? rows.length : at));
    return order.filter(function (r) { return r.getAttribute("data-marked") === "false"; })[0];
  }

  function nameOf(row) {
    var name = row.querySelector(".register-entry__name");
    return name ? name.textContent.trim() : "";
  }

  function say(words) {
    var said = document.querySelector("[data-register-said]");
    if (said) said.textContent = words;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var keys = document.querySelector("[data-register-keys]");
    if (keys) keys.hidden = false;
    roveAll();
  });

  // Once the browser has gone to the fragment (which moves focus to the page itself).
  function landOnFragment() {
    var match = /^#register-(\d+)$/.exec(window.location.hash);
    if (match) land(document.getElementById("register-" + match[1]));
  }
  window.addEventListener("load", landOnFragment);
  window.addEventListener("hashchange", landOnFragment);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-register-skip]");
    if (!link) return;
    var rows = entries();
    var row = nextUnmarked(null) || rows[0];
    if (!row) return;
    event.preventDefault();
    land(row);
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var button = event.target.closest && event.target.closest(".register-entry__status .status-button");
    if (!button) return;
    var group = button.closest("[role=group]");
    var all = buttons(group);
    var at = all.indexOf(button);
    var target = null;
    if (event.key === "ArrowRight") target = all[(at + 1) % all.length];
    else if (event.key === "ArrowLeft") target = all[(at - 1 + all.length) % all.length];
    else if (event.key === "Home") target = all[0];
    else if (event.key === "End") target = all[all.length - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var rows = entries();
      var row = rows[rows.indexOf(button.closest(".register-entry")) + (event.key === "ArrowDown" ? 1 : -1)];
      event.preventDefault();
      if (row) land(row);
      return;
    }
    if (!target) return;
    event.preventDefault();
    rove(group, target);
    target.focus();
  });

  // A row just sent back (data-register-fresh): what was saved is said, and a pupil
  // newly marked present hands focus on. A refusal says itself (its role=alert).
  document.addEventListener("htmx:afterSettle", function () {
    roveAll();
    var row = document.querySelector("#register [data-register-fresh]");
    if (!row) return;
    row.removeAttribute("data-register-fresh");
    var saved = row.querySelector(".register-entry__saved");
    if (row.querySelector(".field__error") || !saved) return;
    var words = nameOf(row) + ": " + saved.textContent.trim();
    if (row.hasAttribute("data-register-advance")) {
      row.removeAttribute("data-register-advance");
      var next = nextUnmarked(row);
      if (next) {
        land(next);
        words += " Next: " + nameOf(next) + ".";
      } else {
        words += " Everyone in this lesson is marked.";
      }
    }
    say(words);
  });
})();
