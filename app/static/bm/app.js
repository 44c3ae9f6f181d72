/* 建宁乡便民代办 — behaviour that the Content-Security-Policy forbids inline (no onclick=/onsubmit=). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-bm-print]");
    if (button) {
      // a print page whose QR code villagers cannot open asks once more before printing
      var warning = button.getAttribute("data-bm-print-warning");
      if (!warning || window.confirm(warning)) {
        window.print();
      }
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-bm-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
