// wangban: warns before the idle timeout and offers to stay logged in. The page works without
// this script (it shows the timeout in a note). Reads #session-timeout's data attributes:
// data-expires (ISO 8601) and data-warn-minutes.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  var dialog = document.getElementById("session-warning");
  var form = document.getElementById("session-extend-form");
  var live = document.getElementById("session-live");
  if (!box || !dialog || !form) { return; }
  var warnMs = (parseInt(box.getAttribute("data-warn-minutes"), 10) || 5) * 60000;
  var timer = null;

  function schedule(expiresIso) {
    var expires = Date.parse(expiresIso);
    if (isNaN(expires)) { return; }
    box.setAttribute("data-expires", expiresIso);
    if (timer) { clearTimeout(timer); }
    var wait = expires - warnMs - Date.now();
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
    if (!window.fetch || !window.FormData) { return; }
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
      if (live) { live.textContent = live.getAttribute("data-extended") || ""; }
      schedule(body.expires_at);
    }).catch(function () {
      // Not allowed to fetch (or it failed): post the form the ordinary way.
      form.submit();
    });
  });

  schedule(box.getAttribute("data-expires"));
}());
