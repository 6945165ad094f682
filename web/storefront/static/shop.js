// Storefront enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  // Flash-sale countdowns: the end a page shows becomes the time left.
  var clocks = document.querySelectorAll("time[data-countdown]");
  var tick = function () {
    var now = Date.now();
    for (var i = 0; i < clocks.length; i++) {
      var t = clocks[i], left = Date.parse(t.getAttribute("datetime")) - now;
      if (isNaN(left)) continue;
      var m = Math.max(0, Math.floor(left / 60000)), d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24;
      t.textContent = "in " + (d ? d + "d " : "") + (d || h ? h + "h " : "") + (m % 60) + "m";
      t.title = t.getAttribute("datetime");
    }
  };
  if (clocks.length) { tick(); setInterval(tick, 30000); }
  // Variant picker: update price, stock and URL in place.
  var data = document.getElementById("variant-data");
  var sel = document.querySelector("[data-variant-select]");
  if (!data || !sel) return;
  var variants;
  try { variants = JSON.parse(data.textContent); } catch (err) { return; }
  var price = document.querySelector("[data-price]");
  var compare = document.querySelector("[data-compare]");
  var stock = document.querySelector("[data-stock]");
  sel.addEventListener("change", function () {
    var v = null;
    for (var i = 0; i < variants.length; i++) if (variants[i].id === sel.value) v = variants[i];
    if (!v) return;
    if (price) price.textContent = v.price;
    if (compare) compare.textContent = v.compare || "";
    if (stock) { stock.textContent = v.stock_label; stock.className = "stock stock-" + v.stock; }
    var add = document.querySelector("[data-variant-input]");
    if (add) add.value = v.id;
    if (window.history && history.replaceState) {
      var u = new URL(location.href);
      u.searchParams.set("variant", v.id);
      history.replaceState(null, "", u.toString());
    }
  });
})();
