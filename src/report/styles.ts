/** The report's stylesheet, inlined into the page (no external fonts or files). */
export const REPORT_CSS = `
:root {
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --page: #f5f6f8; --card: #ffffff;
  --pareto: #1d4ed8; --dominated: #98a2b3; --selected: #f59e0b; --band: #fef3c7; --error: #b91c1c;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--ink); background: var(--page);
}
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 32px; }
h1 { font-size: 1.6rem; margin: 0 0 2px; }
h2 { font-size: 1.15rem; margin: 0 0 8px; }
h3 { font-size: 0.95rem; margin: 14px 0 6px; }
p { margin: 0 0 8px; }
.subtitle, .muted, .hint { color: var(--muted); }
.hint { font-size: 0.85rem; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 10px; margin: 14px 0 16px; }
.summary div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.summary dt { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.summary dd { margin: 0; font-size: 1.05rem; font-weight: 600; }
.summary dd small { font-weight: 400; color: var(--muted); font-size: 0.82rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 18px; align-items: start; }
main > section, .sidebar > section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin-bottom: 16px; }
.sidebar { position: sticky; top: 12px; max-height: calc(100vh - 24px); overflow-y: auto; }
.section-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 0.85rem; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; }
.swatch.pareto { background: var(--pareto); }
.swatch.dominated { background: var(--dominated); }
.swatch.selected { border: 2px solid var(--selected); }
.swatch.band { background: var(--band); border-radius: 2px; border: 1px solid #f5d48a; }
.canvas-wrap { position: relative; }
#front-canvas { display: block; width: 100%; height: 430px; cursor: grab; border-radius: 6px; }
#front-canvas:focus-visible, tr[data-trial]:focus-visible, button:focus-visible { outline: 2px solid var(--pareto); outline-offset: 2px; }
#reset-view { position: absolute; top: 6px; right: 6px; font: inherit; font-size: 0.82rem; padding: 3px 10px; border: 1px solid var(--line); background: var(--card); border-radius: 6px; cursor: pointer; color: var(--ink); }
.chart-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 18px; }
figure { margin: 0; }
figcaption { font-weight: 600; font-size: 0.9rem; margin-bottom: 2px; }
svg.chart { width: 100%; height: auto; display: block; font-family: inherit; }
svg .plot-bg { fill: #fbfbfc; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { stroke: #9ca3af; stroke-width: 1; }
svg .tick { font-size: 11px; fill: #4b5563; }
svg .axis-title { font-size: 12.5px; fill: var(--ink); font-weight: 600; }
svg .infinity-band { fill: var(--band); opacity: 0.7; }
svg .band-caption { font-size: 10px; fill: #b45309; }
svg .empty { font-size: 13px; fill: var(--muted); }
svg .marker { cursor: pointer; stroke: #fff; stroke-width: 1; }
svg .marker.pareto { fill: var(--pareto); stroke-width: 1.5; }
svg .marker.dominated { fill: var(--dominated); fill-opacity: 0.8; }
svg .marker.selected { stroke: var(--selected); stroke-width: 3; }
svg .series { fill: none; stroke: var(--pareto); stroke-width: 2; }
svg .series-end { fill: var(--pareto); }
svg .extra-point { fill: #059669; stroke: #fff; stroke-width: 1; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
thead th { background: #f9fafb; font-weight: 600; }
thead tr.group-head th { text-align: center; color: var(--muted); font-weight: 500; border-bottom: none; }
table.data { width: 100%; font-size: 0.8rem; }
table.data th, table.data td { padding: 4px 5px; }
table.data .params-start, table.data .split-start { border-left: 1px solid var(--line); }
tr[data-trial] { cursor: pointer; }
tr[data-trial]:hover { background: #eff6ff; }
tr[data-trial].selected { background: #fef3c7; }
td.error-text { text-align: left; color: var(--error); white-space: normal; min-width: 220px; }
.state-failed { color: var(--error); }
.state-running { color: #92400e; }
table.compact { width: 100%; margin-bottom: 10px; font-size: 0.8rem; }
table.compact th, table.compact td { padding: 3px 5px; }
table.compact caption { text-align: left; font-weight: 600; font-size: 0.85rem; padding: 4px 0; }
.params { display: grid; grid-template-columns: 1fr 1fr; gap: 2px 12px; margin: 0; font-size: 0.86rem; }
.params div { display: flex; justify-content: space-between; gap: 8px; border-bottom: 1px dotted var(--line); }
.params dt { color: var(--muted); }
.params dd { margin: 0; font-variant-numeric: tabular-nums; }
.badge { font-size: 0.75rem; font-weight: 600; border-radius: 999px; padding: 1px 8px; vertical-align: middle; }
.badge-pareto { background: #dbeafe; color: var(--pareto); }
.badge-dominated { background: #f3f4f6; color: #4b5563; }
.badge-failed { background: #fee2e2; color: var(--error); }
.badge-running { background: #fef3c7; color: #92400e; }
.error { color: var(--error); }
.facts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 24px; }
.facts dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; font-size: 0.9rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.notes { margin: 0; padding-left: 20px; }
.notes li { margin-bottom: 4px; }
details summary { cursor: pointer; font-weight: 600; font-size: 1.05rem; }
footer { color: var(--muted); font-size: 0.8rem; margin-top: 8px; }
#tooltip { position: fixed; z-index: 10; pointer-events: none; background: #111827; color: #f9fafb; font-size: 0.8rem; line-height: 1.35; padding: 6px 9px; border-radius: 6px; white-space: pre; box-shadow: 0 2px 8px rgba(0,0,0,0.2); }
@media (max-width: 1000px) { .layout { grid-template-columns: 1fr; } .sidebar { position: static; max-height: none; } .chart-grid, .facts { grid-template-columns: 1fr; } }
`;
