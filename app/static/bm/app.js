/* 建宁乡便民代办 — behaviour that the Content-Security-Policy forbids inline (no onclick=/onsubmit=). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-bm-print]")) {
      window.print();
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
