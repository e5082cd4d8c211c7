"""The report's stylesheet, inlined into index.html (no external file, no CDN).

Colours meet WCAG AA contrast (text on its badge or highlight ≥ 7:1); status and edits are
also said in words, never by colour alone.
"""

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2328;
       background: #fff; margin: 0; }
.wrap { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header.wrap { padding-top: 16px; }
main.wrap { padding-bottom: 32px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 1; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 17px; margin: 24px 0 6px; }
a { color: #0550ae; }
a:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.muted { color: #57606a; }
.confirmed { font-size: 13px; color: #1a7f37; font-weight: 600; }
.lede { margin: 0 0 4px; }
nav.toc ul { list-style: none; padding: 0; margin: 4px 0 0; display: flex; gap: 20px; flex-wrap: wrap; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
caption { text-align: left; font-weight: 600; padding: 4px 0 8px; }
th, td { border: 1px solid #d0d7de; padding: 6px 8px; vertical-align: top; text-align: left; }
thead th { background: #f6f8fa; font-size: 13px; }
tbody th { font-weight: 600; }
table.matrix { table-layout: fixed; }
table.matrix td, table.matrix th { overflow-wrap: break-word; }
col.c-payer { width: 15%; } col.c-policy { width: 21%; } col.c-status { width: 12%; } col.c-pa { width: 8%; }
col.c-eff { width: 9%; } col.c-change { width: 12%; } col.c-check { width: 10%; } col.c-health { width: 13%; }
.nowrap { white-space: nowrap; }
table.failing th .muted { font-weight: normal; }
table.failing th { min-width: 14em; }
table.failing td:last-child { overflow-wrap: anywhere; }
tr.stale { background: #fff8f0; }
tr.stale th { box-shadow: inset 4px 0 0 #bc4c00; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600;
          border: 1px solid; }
.s-covered { background: #dafbe1; color: #0f5323; border-color: #4ac26b; }
.s-not_covered { background: #ffebe9; color: #82071e; border-color: #ff8182; }
.s-experimental { background: #fff8c5; color: #633c01; border-color: #d4a72c; }
.s-mentioned { background: #ddf4ff; color: #0a3069; border-color: #54aeff; }
.s-absent, .s-unknown { background: #eaeef2; color: #24292f; border-color: #afb8c1; }
.s-retired { background: #f6f8fa; color: #57606a; border-color: #8c959f; text-decoration: line-through; }
.calendar td.days { text-align: right; white-space: nowrap; }
.health-ok { color: #0f5323; }
.health-stale { color: #953800; font-weight: 600; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid #d0d7de; }
ol.timeline li { margin: 0 0 8px; padding: 0 0 0 14px; }
.kind { display: inline-block; font-size: 12px; font-weight: 600; text-transform: uppercase; color: #57606a;
        min-width: 10em; }
article.change { border: 1px solid #d0d7de; border-radius: 6px; padding: 0 16px 4px; margin: 16px 0; }
article.change h3 { margin-top: 12px; }
table.sbs { table-layout: fixed; }
table.sbs td { overflow-wrap: anywhere; font-size: 14px; line-height: 1.6; }
del { background: #ffebe9; color: #82071e; text-decoration: line-through; }
ins { background: #dafbe1; color: #0f5323; text-decoration: none; font-weight: 600; }
del::before, del::after, ins::before, ins::after { position: absolute; width: 1px; height: 1px; overflow: hidden;
          clip-path: inset(100%); white-space: nowrap; }
del::before { content: " [deleted: "; } ins::before { content: " [inserted: "; }
del::after, ins::after { content: "] "; }
.gap { color: #57606a; }
footer { margin: 0 auto 24px; font-size: 13px; color: #57606a; }
@media (max-width: 640px) {
  /* A phone: each matrix and failures row becomes a card, each cell a labelled line; the
     side-by-side diff stacks before over after. No table is wider than the screen. */
  .wrap { padding: 0 12px; }
  h1 { font-size: 22px; }
  table.matrix, table.failing, table.sbs { table-layout: auto; }
  table.matrix, table.matrix tbody, table.matrix tr, table.matrix td, table.matrix tbody th,
  table.failing, table.failing tbody, table.failing tr, table.failing td, table.failing tbody th,
  table.sbs, table.sbs tbody, table.sbs tr, table.sbs td, table.sbs th { display: block; width: 100%; }
  table.matrix caption, table.failing caption, table.sbs caption { display: block; }
  table.matrix thead, table.failing thead, table.sbs thead { position: absolute; width: 1px; height: 1px;
          overflow: hidden; clip-path: inset(100%); }
  table.matrix colgroup { display: none; }
  table.matrix tr, table.failing tr { border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 12px; }
  table.matrix td, table.matrix th, table.failing td, table.failing th, table.sbs td, table.sbs th {
          border: none; border-top: 1px solid #eaeef2; overflow-wrap: break-word; min-width: 0; }
  table.matrix tbody th, table.failing tbody th { border-top: none; font-size: 16px; }
  table.sbs td { border: 1px solid #d0d7de; margin-bottom: 8px; }
  td[data-label]::before { content: attr(data-label); display: block; font-size: 12px; font-weight: 600;
          color: #57606a; }
  tr.stale th { box-shadow: inset 4px 0 0 #bc4c00; }
  .kind { min-width: 0; margin-right: 6px; }
}
@media print { article.change { break-inside: avoid; } a { color: inherit; } }
"""
