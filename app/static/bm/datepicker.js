/* FAB's date fields (bootstrap-datepicker 1.10, vendored by Flask-AppBuilder): Chinese month
   and weekday names and weeks starting on Monday, as on a Chinese calendar. The locale table
   is bootstrap-datepicker's own zh-CN locale (Apache-2.0); FAB ships the picker without it.
   The page's language comes from the script tag's data-locale (bm/base.html). */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.datepicker) { return; }
  $.fn.datepicker.dates["zh-CN"] = {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    daysMin: ["日", "一", "二", "三", "四", "五", "六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    today: "今天",
    monthsTitle: "选择月份",
    clear: "清除",
    format: "yyyy-mm-dd",
    titleFormat: "yyyy年mm月",
    weekStart: 1
  };
  var script = document.currentScript;
  var locale = (script && script.getAttribute("data-locale")) || "zh";
  $.fn.datepicker.defaults.language = locale.indexOf("zh") === 0 ? "zh-CN" : "en";
  $.fn.datepicker.defaults.weekStart = 1;
  $.fn.datepicker.defaults.todayHighlight = true;
  $.fn.datepicker.defaults.autoclose = true;
})(window.jQuery);
