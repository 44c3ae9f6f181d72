/* Dashboard charts: fetch the chart data of the page (same origin) and draw it with the
   vendored ECharts. The figures themselves are in the HTML; the charts are an extra. */
(function () {
  "use strict";
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",sans-serif';
  var COLORS = ["#3b6ea5", "#d9822b", "#c9302c", "#2e8540", "#7a5195", "#4aa3a2", "#bc5090", "#8d8d8d", "#ffa600", "#58508d"];

  function empty(el, text) {
    el.innerHTML = '<div class="bm-chart-empty"></div>';
    el.firstChild.textContent = text;
  }

  function trend(el, data, L) {
    var t = data.trend;
    return {
      color: COLORS,
      tooltip: { trigger: "axis" },
      legend: { data: [L.consult, L.proxy, L.overdue], top: 0 },
      grid: { left: 8, right: 12, top: 34, bottom: 26, containLabel: true },  // a county's 12,000 fits
      xAxis: { type: "category", data: t.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.consult, type: "bar", stack: "n", data: t.consult },
        { name: L.proxy, type: "bar", stack: "n", data: t.proxy },
        { name: L.overdue, type: "line", data: t.overdue, itemStyle: { color: "#c9302c" } }
      ]
    };
  }

  function ontime(el, data, L) {
    var o = data.ontime, good = o.marks.good, warn = o.marks.warn;  // config.py DASHBOARD_RATE_*, in %
    el.style.height = Math.max(300, o.villages.length * 22 + 40) + "px";  // every village named, one line each
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      grid: { left: 8, right: 48, top: 10, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: o.villages, inverse: true, axisLabel: { interval: 0 } },
      series: [{
        name: L.rate, type: "bar", barMaxWidth: 26, data: o.rates.map(function (v) {
          return { value: v, itemStyle: { color: v === null ? "#ccc" : (v >= good ? "#2e8540" : (v >= warn ? "#d9822b" : "#c9302c")) } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return p.value === null || p.value === undefined ? "—" : p.value + "%"; } }
      }]
    };
  }

  function categories(el, data, L) {
    var items = data.categories.items;
    if (!items.length) { return null; }
    return {
      color: COLORS,
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 30, top: 10, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: items.map(function (i) { return i.name; }),
               axisLabel: { width: 100, overflow: "truncate" } },
      series: [{ type: "bar", barMaxWidth: 26, data: items.map(function (i) { return i.value; }), label: { show: true, position: "right" } }]
    };
  }

  var BUILDERS = { trend: trend, ontime: ontime, categories: categories };

  function draw(container, data) {
    var L = data.labels || {};
    var charts = [];
    container.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = BUILDERS[el.getAttribute("data-chart")];
      var option = build && build(el, data, L);
      if (!option) { empty(el, L.none || "—"); return; }
      option.textStyle = { fontFamily: FONT };
      option.animation = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  function load(container) {
    var src = container.getAttribute("data-src");
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { draw(container, data); container.setAttribute("data-loaded", "1"); })
      .catch(function () {
        container.querySelectorAll("[data-chart]").forEach(function (el) { empty(el, "—"); });
        container.setAttribute("data-loaded", "error");
      });
  }

  function init() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".bm-charts[data-src]").forEach(load);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
