// wangban: warns before the idle timeout and offers to stay logged in. The page works without
// this script (it shows the timeout in a note). Reads #session-timeout's data attributes:
// data-remaining-seconds (until the idle timeout, by the server's clock, so that a wrong clock
// on the device does not matter), data-expires (ISO 8601, for information) and
// data-warn-minutes (how long before the timeout to warn).
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  var dialog = document.getElementById("session-warning");
  var form = document.getElementById("session-extend-form");
  var live = document.getElementById("session-live");
  if (!box || !dialog || !form) { return; }
  var warnMs = (parseInt(box.getAttribute("data-warn-minutes"), 10) || 5) * 60000;
  var timer = null;

  function schedule(remainingSeconds) {
    var remainingMs = Number(remainingSeconds) * 1000;
    if (!isFinite(remainingMs)) { return; }
    if (timer) { clearTimeout(timer); timer = null; }
    var wait = remainingMs - warnMs;
    // setTimeout cannot wait longer than about 24.8 days.
    if (wait > 2147483000) { return; }
    timer = setTimeout(show, Math.max(0, wait));
  }

  function show() {
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) { dialog.showModal(); }
    } else {
      dialog.setAttribute("open", "");
    }
    var button = document.getElementById("stay-logged-in");
    if (button) { button.focus(); }
  }

  function hide() {
    if (typeof dialog.close === "function" && dialog.open) { dialog.close(); }
    dialog.removeAttribute("open");
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData || !window.URLSearchParams) { return; }
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (body) {
      hide();
      box.setAttribute("data-expires", body.expires_at);
      box.setAttribute("data-remaining-seconds", String(body.remaining_seconds));
      if (live) { live.textContent = live.getAttribute("data-extended") || ""; }
      schedule(body.remaining_seconds);
    }).catch(function () {
      // Not allowed to fetch (or it failed): post the form the ordinary way; the server
      // extends the session and brings the browser back to this page.
      form.submit();
    });
  });

  schedule(box.getAttribute("data-remaining-seconds"));
}());
