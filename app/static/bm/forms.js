/* When the browser refuses to send a form (an empty required field), show the same banner
   at the top that the server shows for invalid input, naming the fields: on a phone the
   browser's bubble may point at a field far below, or at a select hidden by select2. */
(function () {
  "use strict";
  var script = document.currentScript;
  var message = (script && script.getAttribute("data-message")) || "";
  var pending = null;

  function labelOf(el) {
    var label = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    if (!label) {
      var row = el.closest("tr");
      label = row ? row.querySelector("label, th, td.col-lg-2") : null;
    }
    var text = label ? label.textContent : (el.getAttribute("name") || "");
    return text.replace(/[*＊:：]/g, "").replace(/\s+/g, " ").trim();
  }

  function show(names) {
    var host = document.querySelector("body > .container > .row") || document.body;
    var box = document.getElementById("bm-form-alert");
    if (!box) {
      box = document.createElement("div");
      box.id = "bm-form-alert";
      box.className = "alert alert-danger";
      box.setAttribute("role", "alert");
      host.insertBefore(box, host.firstChild);
    }
    box.textContent = message + names.join("、");
    box.scrollIntoView({ block: "start" });
  }

  document.addEventListener("invalid", function (e) {
    var el = e.target;
    if (!el || !el.form) { return; }
    if (!pending) {
      pending = [];
      setTimeout(function () { var names = pending; pending = null; show(names); }, 0);
    }
    var name = labelOf(el);
    if (name && pending.indexOf(name) < 0) { pending.push(name); }
  }, true);
})();
