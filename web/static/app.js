/* PhoneBridge: a little progressive enhancement over plain HTML forms (the page works
   without it, every form posts and redirects as usual).
   - A form with data-swap="#region" is sent with fetch; the page the server answers (the
     same page a plain submit would show) replaces only that region, the status and error
     lines are updated in place (live regions), and keyboard focus stays where it was.
   - The grant matrix: H, C and V set the focused cell; arrow keys move between cells.
   - Phonebook search runs as you type (data-live-search), newest answer wins.
   - The phonebook follows changes: a push stream (data-events) where the server offers one,
     otherwise a poll of data-changes?since=<sync token>; either way the list is re-fetched. */
(function () {
  "use strict";
  var HEADERS = { "X-Requested-With": "fetch" };
  var parser = new DOMParser();

  var repeats = {}; // a repeated message's pending second half, per live region

  function copyMessages(doc) {
    ["status", "alert"].forEach(function (id) {
      var fresh = doc.getElementById(id);
      var old = document.getElementById(id);
      if (!fresh || !old) return;
      var words = fresh.textContent;
      old.hidden = fresh.hidden;
      // a newer message wins over the repeat still waiting (it wrote "Added" over "Deleted")
      clearTimeout(repeats[id]);
      if (words && words === old.textContent) {
        // the same words again ("Entry saved.") are only read out if they change first
        old.textContent = "";
        repeats[id] = setTimeout(function () { old.textContent = words; }, 150);
      } else {
        old.textContent = words; // same live region, new words: it is announced
      }
    });
  }

  function focusAfter(id, region) {
    var el = id ? document.getElementById(id) : null;
    if (el && el.disabled && el.form) {
      el = el.form.querySelector("button:not([disabled])"); // "up" on what is now first
    }
    if (!el || el.disabled || !region.contains(el)) {
      el = region;
      el.setAttribute("tabindex", "-1");
    }
    el.focus();
  }

  /* Replace `selector` with its counterpart in the HTML page `html`. */
  function swap(html, selector) {
    var doc = parser.parseFromString(html, "text/html");
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    copyMessages(doc);
    if (!fresh || !old) return false;
    var active = document.activeElement;
    var hadFocus = active && old.contains(active);
    var focusId = hadFocus ? active.id : null;
    old.replaceWith(fresh);
    if (hadFocus) focusAfter(focusId, fresh);
    return true;
  }

  function formBody(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter);
    } catch (e) {
      data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    return new URLSearchParams(data);
  }

  async function send(form, submitter) {
    var body = formBody(form, submitter);
    var action = form.getAttribute("action");
    if (form.method.toLowerCase() === "get") {
      var url = action + "?" + body;
      var got = await fetch(url, { headers: HEADERS, credentials: "same-origin" });
      history.replaceState(null, "", url);
      return got;
    }
    return fetch(action, {
      method: "POST", body: body, headers: HEADERS, credentials: "same-origin",
    });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.hasAttribute("data-live-search")) {
      ev.preventDefault();
      search(form);
      return;
    }
    var target = form.getAttribute("data-swap");
    if (!target || form.dataset.plain) return;
    ev.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return; // one change at a time
    var submitter = ev.submitter;
    form.setAttribute("aria-busy", "true");
    if (submitter) submitter.setAttribute("aria-busy", "true");
    send(form, submitter).then(function (response) {
      return response.text().then(function (html) {
        if (!swap(html, target) && document.getElementById("alert").hidden) {
          location.assign(response.url); // e.g. signed out meanwhile: show that page
        }
      });
    }).catch(function () {
      form.dataset.plain = "1"; // the network failed us: let the browser post it
      form.requestSubmit(submitter);
    }).finally(function () {
      form.removeAttribute("aria-busy");
      if (submitter) submitter.removeAttribute("aria-busy");
    });
  });

  /* The grant matrix from the keyboard. */
  var LEVEL_KEYS = { h: "hidden", c: "callable", v: "visible" };
  var MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  document.addEventListener("keydown", function (ev) {
    var cell = ev.target;
    if (!cell.classList || !cell.classList.contains("cell")) return;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var level = LEVEL_KEYS[ev.key.toLowerCase()];
    if (level) {
      ev.preventDefault();
      var allowed = cell.getAttribute("data-levels").split(" ");
      if (allowed.indexOf(level) < 0 || cell.classList.contains(level)) return;
      cell.value = level;
      cell.form.requestSubmit(cell);
      return;
    }
    var move = MOVES[ev.key];
    if (!move) return;
    ev.preventDefault();
    var td = cell.closest("td");
    var tr = td.parentElement;
    var rows = tr.parentElement.rows;
    var row = rows[tr.sectionRowIndex + move[0]];
    var next = row && row.cells[td.cellIndex + move[1]];
    var button = next && next.querySelector("button.cell");
    if (button) button.focus();
  });

  /* Search as you type. */
  var searchTimer = 0;
  var searchSeq = 0;
  async function search(form) {
    var seq = ++searchSeq;
    var url = form.getAttribute("action") + "?" + formBody(form, null);
    try {
      var response = await fetch(url, { headers: HEADERS, credentials: "same-origin" });
      var html = await response.text();
      if (seq !== searchSeq) return; // a newer search is on its way
      swap(html, form.getAttribute("data-live-search"));
      history.replaceState(null, "", url);
    } catch (e) { /* the next keystroke tries again */ }
  }
  document.addEventListener("input", function (ev) {
    var form = ev.target.form;
    if (!form || !form.hasAttribute("data-live-search")) return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { search(form); }, 250);
  });

  /* Live phonebook. */
  async function refreshList() {
    var response = await fetch(location.pathname + location.search, {
      headers: HEADERS, credentials: "same-origin", cache: "no-store",
    });
    if (response.ok) swap(await response.text(), "#results");
  }
  function follow() {
    var book = document.querySelector("[data-changes]");
    if (!book) return;
    var events = book.getAttribute("data-events");
    if (events && window.EventSource) {
      var stream = new EventSource(events, { withCredentials: true });
      stream.onmessage = refreshList;
      return;
    }
    var every = Math.max(1, Number(book.getAttribute("data-poll")) || 10) * 1000;
    var timer = setInterval(async function () {
      if (document.hidden) return;
      try {
        var url = book.getAttribute("data-changes") + "?since=" +
          encodeURIComponent(book.getAttribute("data-sync"));
        var response = await fetch(url, { headers: HEADERS, cache: "no-store" });
        if (response.status === 204) return;
        var body = await response.json();
        book.setAttribute("data-sync", body.sync_token);
        await refreshList();
      } catch (e) {
        clearInterval(timer); // signed out or the server is gone: stop asking
      }
    }, every);
  }

  /* A region that follows a call in progress (data-refresh seconds). */
  function followCalls() {
    var region = document.querySelector("[data-refresh]");
    if (!region) return;
    var id = "#" + region.id;
    setTimeout(async function tick() {
      try {
        var response = await fetch(location.pathname, { headers: HEADERS, cache: "no-store" });
        swap(await response.text(), id);
      } catch (e) { return; }
      var now = document.querySelector(id + "[data-refresh]");
      if (now) setTimeout(tick, Number(now.getAttribute("data-refresh")) * 1000);
    }, Number(region.getAttribute("data-refresh")) * 1000);
  }

  follow();
  followCalls();
  document.documentElement.setAttribute("data-ready", "");
  if (window.performance && performance.mark) performance.mark("pb-ready");
})();
