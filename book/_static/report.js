// Small progressive enhancements; the pages read fine without JavaScript.
(function () {
  "use strict";
  // 1. Sortable ledger tables: click a column header to sort; verdict columns sort by severity.
  var order = {"discrepant": 0, "not-supported": 0, "not-reproducible": 1, "unverifiable": 1,
               "partly-supported": 2, "imprecise": 2, "consistent": 3, "reproduced": 4, "supported": 4, "pending": 5};
  function cellKey(row, index) {
    var cell = row.children[index];
    var badge = cell && cell.querySelector(".badge");
    if (badge) {
      var cls = Array.prototype.find.call(badge.classList, function (c) { return /^(citation|verdict)-/.test(c); });
      var value = cls ? cls.replace(/^(citation|verdict)-/, "") : "";
      return [order.hasOwnProperty(value) ? order[value] : 9, value];
    }
    return [0, cell ? cell.textContent.trim().toLowerCase() : ""];
  }
  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      th.setAttribute("role", "button");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", "sort by this column");
      var direction = 1;
      function sort() {
        var body = table.querySelector("tbody");
        var rows = Array.prototype.slice.call(body.querySelectorAll("tr"));
        rows.sort(function (a, b) {
          var ka = cellKey(a, index), kb = cellKey(b, index);
          if (ka[0] !== kb[0]) { return direction * (ka[0] - kb[0]); }
          return direction * (ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0);
        });
        rows.forEach(function (r) { body.appendChild(r); });
        headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
        direction = -direction;
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }
  // 3. Wide tables: say so when a table box scrolls sideways (the page itself never does).
  function markScrollable() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      box.setAttribute("data-scrollable", wide ? "true" : "false");
      var cue = box.previousElementSibling;
      if (wide && !(cue && cue.classList.contains("scroll-cue"))) {
        cue = document.createElement("p");
        cue.className = "scroll-cue shown";
        cue.textContent = "⇆ This table is wider than the screen: scroll it sideways.";
        box.parentNode.insertBefore(cue, box);
      } else if (!wide && cue && cue.classList.contains("scroll-cue")) {
        cue.parentNode.removeChild(cue);
      }
    });
  }
  // 4. Accessibility fixes for the theme (axe-core, WCAG 2.1 AA): a control's accessible name
  //    must contain its visible text; a bibliography list's items must be list items; a box
  //    that scrolls must be reachable from the keyboard.
  function fixAccessibility() {
    document.querySelectorAll("button[aria-label] svg, a[aria-label] svg").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");       // the control's label names it; icons are decoration
      icon.removeAttribute("aria-labelledby");
      icon.querySelectorAll("title").forEach(function (t) { t.parentNode.removeChild(t); });
    });
    document.querySelectorAll("[aria-label]").forEach(function (el) {
      var visible = (el.innerText || "").replace(/\s+/g, " ").trim();
      var label = el.getAttribute("aria-label");
      if (visible && label.toLowerCase().indexOf(visible.toLowerCase()) === -1) {
        el.setAttribute("aria-label", visible + " (" + label + ")");
      }
    });
    document.querySelectorAll('[role="list"]').forEach(function (list) {
      var items = Array.prototype.filter.call(list.children, function (item) {
        return !item.hasAttribute("role") || item.getAttribute("role") === "listitem";
      });
      if (items.length === list.children.length) {
        items.forEach(function (item) { item.setAttribute("role", "listitem"); });
      } else {
        list.removeAttribute("role");                 // bibliography entries carry their own role
      }
    });
    document.querySelectorAll("main table, main pre, main .table-scroll").forEach(function (el) {
      var style = window.getComputedStyle(el);
      var scrolls = (style.overflowX === "auto" || style.overflowX === "scroll") && el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role")) { el.setAttribute("role", "region"); }
        if (!el.hasAttribute("aria-label")) { el.setAttribute("aria-label", "scrollable content"); }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    markScrollable();
    fixAccessibility();
    window.addEventListener("resize", fixAccessibility);
    // the theme draws its icons after the page has loaded (Font Awesome replaces <i> by <svg>)
    var pending = null;
    new MutationObserver(function () {
      if (pending === null) { pending = window.setTimeout(function () { pending = null; fixAccessibility(); }, 30); }
    }).observe(document.body, {childList: true, subtree: true});
    window.addEventListener("resize", markScrollable);
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    // Every figure opens full size (on a phone its text is small): the image becomes a link to itself.
    document.querySelectorAll("main figure img").forEach(function (img) {
      if (img.closest("a")) { return; }
      var link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "figure-enlarge";
      link.title = "Open the figure full size";
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
    });
  });
})();
