"""The report's style sheet: screen and print (A4), inline in the page."""

#: The style sheet (the page loads nothing from elsewhere).
CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #c8c8c8; --accent: #7a1f2b; --band: #f4f1ec; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; line-height: 1.45;
       font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 3px;
     margin-top: 34px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
.summary { background: var(--band); border-left: 5px solid var(--accent); padding: 10px 18px;
           margin: 18px 0; }
.summary li { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 10px 0; font-size: 13px; }
th, td { border: 1px solid var(--rule); padding: 5px 7px; vertical-align: top; text-align: left; }
th { background: var(--band); font-weight: 600; }
table.headline td:not(:first-child):not(:last-child), table.levels td:not(:first-child) {
  text-align: right; white-space: nowrap; }
table.kv td:first-child { width: 22%; font-weight: 600; }
tr.sentence td { text-align: left !important; white-space: normal !important;
                 background: #fbfaf7; font-style: italic; border-top: 0; }
table.kv thead { display: none; }
td small, th small { color: var(--muted); }
.sig { font-weight: 700; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 18px 0; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table { font-size: 8.5pt; page-break-inside: auto; }
  tr, td, th { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  .summary { border-left-width: 3px; }
  a { color: inherit; text-decoration: none; }
  figure img { max-height: 120mm; width: auto; }
}
"""
