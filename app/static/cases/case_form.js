/* 受理登记: the material checklist follows the chosen item; proxy-only fields follow the kind. */
(function ($) {
  "use strict";
  var data = {};
  try { data = JSON.parse($("#bm-item-materials").text() || "{}"); } catch (e) { data = {}; }

  function draw() {
    var $list = $("ul.bm-materials");
    if (!$list.length) { return; }
    var itemId = $("#service_item").val();
    var materials = data[itemId] || [];
    var selected = [];
    $list.find("input:checked").each(function () { selected.push(this.value); });
    if (!selected.length) {
      try { selected = JSON.parse($list.attr("data-selected") || "[]"); } catch (e) { selected = []; }
    }
    var name = $list.attr("data-name") || "materials_received";
    $list.empty();
    if (!materials.length) {
      $("<li class='text-muted'>").text($list.attr("data-empty")).appendTo($list);
      return;
    }
    $.each(materials, function (i, m) {
      var id = name + "-" + i;
      var $li = $("<li>");
      var $box = $("<input type='checkbox'>").attr({ id: id, name: name, value: m }).prop("checked", selected.indexOf(m) >= 0);
      $li.append($box).append($("<label>").attr("for", id).text(m));
      $list.append($li);
    });
  }

  function kind() {
    var proxy = $("#kind").val() === "proxy";
    $("#voluntary_confirmed").closest("tr").toggle(proxy || !$("#kind").length);
  }

  $(function () {
    $("#service_item").on("change", function () {
      $("ul.bm-materials").attr("data-selected", "[]");
      draw();
    });
    $("#kind").on("change", kind);
    draw();
    kind();
  });
})(window.jQuery);
