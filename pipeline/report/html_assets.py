"""The report's stylesheet and script, inlined into the page (it must work offline, from file://).

The script only turns pages, filters diagnostics and sorts tables; it reads the DOM the server
side wrote and never builds markup from data, so it cannot undo the escaping. The page's
Content-Security-Policy allows exactly this script (by its hash), so even a caption that slipped
past escaping could not run.
"""

from __future__ import annotations

from typing import Final

from pipeline.report.html_util import PLATFORM_COLOURS

_PLATFORM_CSS = "".join(f".pf-{name}{{--pf:{hex_}}}" for name, hex_ in PLATFORM_COLOURS.items())

CSS: Final = (
    """
:root{--fg:#1d2129;--muted:#65676b;--line:#d8dadf;--bg:#fff;--soft:#f5f6f8;--err:#c62828;
--warn:#a86400;--ok:#2e7d32;--pf:#999;font-family:system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0 auto;max-width:1400px;padding:16px 24px 48px;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid
var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}small{color:var(--muted);
font-weight:normal}code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
nav a{margin-right:14px}.meta{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}.card{border:1px solid var(--line);
border-radius:6px;padding:6px 12px;background:var(--soft)}.card b{display:block;font-size:18px}
.card.errors b{color:var(--err)}.card.warnings b{color:var(--warn)}
.notes li{color:var(--muted)}.note{color:var(--muted)}.empty{color:var(--muted);font-style:italic}
.pager-bar{display:flex;align-items:center;gap:10px;margin:6px 0}.pager-bar button{font-size:18px;
width:34px;height:30px;cursor:pointer}.pager-label{font-weight:600;min-width:220px;
text-align:center}.pager-count{color:var(--muted)}
table.grid{border-collapse:collapse;width:100%;table-layout:fixed}table.grid th{font-weight:600;
text-align:left;padding:4px;background:var(--soft);border:1px solid var(--line)}
table.grid td{border:1px solid var(--line);vertical-align:top;padding:2px 3px;overflow:hidden}
table.month td{height:92px}table.month td.out{background:var(--soft)}
table.week td{height:220px}td.today{background:#fffbe6}.dnum{color:var(--muted);font-size:12px}
ul.chips{list-style:none;margin:0;padding:0}
li.post{border-left:4px solid var(--pf);background:color-mix(in srgb,var(--pf) 10%,white);
margin:2px 0;padding:1px 4px;font-size:12px;border-radius:3px}
li.post .l1{display:flex;gap:4px;align-items:baseline}li.post .l2{white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}table.week li.post .l2{white-space:normal}
li.post .t{font-weight:600}li.post .pf{color:var(--pf);font-weight:600}
li.post .acct{color:var(--muted)}li.post .st{font-size:11px;padding:0 4px;border-radius:8px;
background:#e8eaed;margin-left:auto}
li.st-published .st{background:#d7f0db;color:var(--ok)}li.st-failed .st,li.st-unknown .st{
background:#fbd5d5;color:var(--err)}li.st-scheduled .st,li.st-queued .st{background:#dbe7fb}
li.st-cancelled{opacity:.55;text-decoration:line-through}li.st-planned{border-left-style:dashed}
li.post.invalid{outline:1px solid var(--err)}li.more{font-size:12px;color:var(--muted)}
li.post .orig{font-size:11px;padding:0 3px;border-radius:3px;background:#eef0f3;
white-space:nowrap}li.or-series .orig{background:#e6ecfb}li.or-queue .orig{background:#e9f5ec}
li.or-pool .orig{background:#f7efdc}li.free{border:1px dashed var(--line);margin:2px 0;
padding:1px 4px;font-size:12px;border-radius:3px;color:var(--muted);background:transparent}
li.free .t{font-weight:600}li.free-count{font-size:12px;color:var(--muted);font-style:italic}
ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:12px}
.filters{display:flex;flex-wrap:wrap;gap:16px;align-items:center;margin:8px 0;padding:8px;
background:var(--soft);border-radius:6px}.f-shown{color:var(--muted)}
table.data{border-collapse:collapse;width:100%}table.data td,table.data th{border-bottom:1px
solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.sev-error td.sev{color:var(--err);font-weight:600}tr.sev-warning td.sev{color:var(--warn);
font-weight:600}.hint{color:var(--muted)}.hint:before{content:"hint: "}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap}
table.sortable th[aria-sort=ascending]:after{content:" ▲"}
table.sortable th[aria-sort=descending]:after{content:" ▼"}
.scroll{overflow-x:auto}svg text{font-size:10px;fill:#555}svg .cap-label{fill:#d00;
font-weight:600}.over-list{color:var(--err)}.ok-list{color:var(--ok)}
.metrics{display:flex;flex-wrap:wrap;gap:10px}figure.metric{margin:0;padding:4px;
border:1px solid var(--line);border-radius:4px}figure.metric figcaption{font-size:12px}
.silent{color:var(--muted);font-size:12px}
@media print{.pager-bar,.filters{display:none}section.page[hidden]{display:block}}
"""
    + _PLATFORM_CSS
)

JS: Final = """
(function () {
  "use strict";
  function pager(root) {
    var pages = Array.prototype.slice.call(root.querySelectorAll("section.page"));
    var label = root.querySelector(".pager-label");
    var prev = root.querySelector("button.prev");
    var next = root.querySelector("button.next");
    var index = parseInt(root.getAttribute("data-start"), 10) || 0;
    function show(i) {
      index = Math.max(0, Math.min(pages.length - 1, i));
      pages.forEach(function (page, j) { page.hidden = j !== index; });
      label.textContent = pages[index].getAttribute("data-label");
      prev.disabled = index === 0;
      next.disabled = index === pages.length - 1;
    }
    prev.addEventListener("click", function () { show(index - 1); });
    next.addEventListener("click", function () { show(index + 1); });
    show(index);
  }
  function diagnostics(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll("input.f-sev"));
    var select = root.querySelector("select.f-platform");
    var shown = root.querySelector(".f-shown");
    function apply() {
      var wanted = {};
      boxes.forEach(function (box) { wanted[box.value] = box.checked; });
      var platform = select ? select.value : "";
      var count = 0;
      root.querySelectorAll("tr.diag").forEach(function (row) {
        var ok = wanted[row.getAttribute("data-severity")] === true &&
          (platform === "" || row.getAttribute("data-platform") === platform);
        row.hidden = !ok;
        if (ok) { count += 1; }
      });
      root.querySelectorAll(".dgroup").forEach(function (group) {
        group.hidden = group.querySelector("tr.diag:not([hidden])") === null;
      });
      if (shown) { shown.textContent = count + " shown"; }
    }
    boxes.forEach(function (box) { box.addEventListener("change", apply); });
    if (select) { select.addEventListener("change", apply); }
    apply();
  }
  function sortable(table) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    heads.forEach(function (th, column) {
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-v");
          var y = b.cells[column].getAttribute("data-v");
          if (x === y) { return 0; }
          if (x === "") { return 1; }  /* not reported: last, whichever the direction */
          if (y === "") { return -1; }
          var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }
  document.querySelectorAll(".pager").forEach(pager);
  var diags = document.getElementById("diagnostics");
  if (diags) { diagnostics(diags); }
  document.querySelectorAll("table.sortable").forEach(sortable);
  document.documentElement.setAttribute("data-ready", "1");
})();
"""
