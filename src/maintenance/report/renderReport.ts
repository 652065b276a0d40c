// `snap report --html`: one self-contained page (inline CSS, inline SVG, one inline script that only
// checks the page rendered), so it can be mailed, archived, or opened offline years later. The data is
// also embedded as JSON (<script type="application/json" id="snap-report-data">) for other tools.
// On S3 the page also shows this host's requests of the last 30 days and their cost (a table).

import prettyBytes from 'pretty-bytes';
import type { RequestSummary } from '../../backend/requestCounts.js';
import { formatRatio, formatUsd, monthlyCost, ratio } from '../stats/cost.js';
import { LARGEST_SNAPSHOTS, type ReportData } from './gatherReport.js';
import { barChart, esc, hbarChart, lineChart } from './svgCharts.js';

const COLORS = { logical: '#4e79a7', stored: '#f28e2b', added: '#76b7b2', addedStored: '#e15759', cost: '#59a14f', dedup: '#4e79a7', compression: '#b07aa1', files: '#9c755f' };

const bytes = (n: number): string => prettyBytes(n, { binary: true });
/** The recorded local time, as the snapshot's own clock showed it: "2026-11-25 02:00". */
const when = (iso: string): string => iso.slice(0, 16).replace('T', ' ');
const short = (id: string): string => id.slice(0, 8);

export function renderReport(d: ReportData): string {
  const rows = d.rows;
  // x labels without the year when every snapshot is of the same year: more of them fit.
  const sameYear = rows.every((r) => r.time.slice(0, 4) === rows[0]!.time.slice(0, 4));
  const labels = rows.map((r) => (sameYear ? when(r.time).slice(5) : when(r.time)));
  // Ratios of the repository as of each snapshot: everything so far, over the chunks stored so far.
  let logicalSum = 0;
  let addedSum = 0;
  let storedSum = 0;
  const dedup: number[] = [];
  const compression: number[] = [];
  for (const r of rows) {
    logicalSum += r.logical_bytes;
    addedSum += r.bytes_added;
    storedSum += r.bytes_stored;
    dedup.push(ratio(logicalSum, addedSum));
    compression.push(ratio(addedSum, storedSum));
  }
  const last = rows[rows.length - 1];
  const addedCost = rows.map((r) => `adds ${formatUsd(monthlyCost(r.bytes_stored, d.pricePerGbMonth))}/month`);
  const biggest = [...rows].sort((a, b) => b.bytes_added - a.bytes_added).slice(0, LARGEST_SNAPSHOTS);

  const cards: Array<[string, string, string]> = [
    ['Snapshots', String(rows.length), last ? `latest ${when(last.time)}` : 'none yet'],
    ['Latest snapshot', bytes(last?.logical_bytes ?? 0), 'logical size'],
    ['Stored', bytes(d.storedBytes), `${d.packs} pack files`],
    ['Deduplication', formatRatio(dedup[dedup.length - 1] ?? 1), 'all snapshots / unique chunks'],
    ['Compression', formatRatio(compression[compression.length - 1] ?? 1), 'unique chunks / stored'],
    ['Monthly cost', formatUsd(monthlyCost(d.storedBytes, d.pricePerGbMonth)),
      `at $${d.pricePerGbMonth} per GB-month${d.requests?.cost_usd != null ? `; requests ${formatUsd(d.requests.cost_usd)} (this host, ${d.requests.days} days)` : ''}`],
  ];

  const sections: string[] = [];
  sections.push(section('Logical vs stored bytes', 'What each snapshot holds, and what the repository stores in total after it.',
    lineChart('Logical vs stored bytes per snapshot', {
      labels, binary: true, format: bytes, series: [
        { name: 'logical bytes of the snapshot', color: COLORS.logical, values: rows.map((r) => r.logical_bytes) },
        { name: 'stored in total (running)', color: COLORS.stored, values: rows.map((r) => r.total_stored_bytes) },
      ],
    })));
  sections.push(section('What each snapshot added', 'New chunk bytes before compression, and what they take in the repository.',
    barChart('Bytes added per snapshot', {
      labels, binary: true, format: bytes, notes: addedCost, series: [
        { name: 'added (before compression)', color: COLORS.added, values: rows.map((r) => r.bytes_added) },
        { name: 'stored (after compression)', color: COLORS.addedStored, values: rows.map((r) => r.bytes_stored) },
      ],
    })));
  sections.push(section('Monthly cost', `The running stored total at $${d.pricePerGbMonth} per GB-month (GB = 2^30 bytes).`,
    lineChart('Monthly storage cost', {
      labels, format: formatUsd, series: [{ name: 'monthly cost (USD)', color: COLORS.cost, values: rows.map((r) => r.monthly_cost_usd) }],
    })));
  sections.push(section('Deduplication and compression', 'Of the repository as of each snapshot: logical bytes of all snapshots so far over the unique chunk bytes, and those over their stored bytes.',
    lineChart('Deduplication and compression ratios', {
      labels, format: formatRatio, series: [
        { name: 'deduplication ratio', color: COLORS.dedup, values: dedup },
        { name: 'compression ratio', color: COLORS.compression, values: compression },
      ],
    })));
  sections.push(section('Largest additions', `The ${biggest.length} snapshots that added the most new chunk bytes.`,
    hbarChart('Snapshots that added the most', biggest.map((r) => ({
      label: `${short(r.snapshot_id)}  ${when(r.time)}`, value: r.bytes_added,
      note: `stored ${bytes(r.bytes_stored)}, ${formatUsd(monthlyCost(r.bytes_stored, d.pricePerGbMonth))}/month`,
    })), bytes, COLORS.added)));
  if (d.requests) sections.push(requestsSection(d.requests));
  if (d.latest) {
    const what = d.latest.against ? `compared with ${short(d.latest.against)}` : 'its first snapshot: every file is new';
    sections.push(section(`Largest new files of the latest snapshot (${short(d.latest.id)})`, `Files added or changed, ${what}.`,
      hbarChart('Largest new files of the latest snapshot', d.latest.files.map((f) => ({ label: tail(f.path), value: f.size, note: `${f.kind}: ${f.path}` })), bytes, COLORS.files)));
  }

  const table = [
    '<table><thead><tr><th>Snapshot</th><th>Time</th><th>Host</th><th>Logical</th><th>Added</th><th>Stored</th><th>Total stored</th><th>Cost/month</th></tr></thead><tbody>',
    ...rows.map((r, i) =>
      `<tr><td><code>${short(r.snapshot_id)}</code></td><td>${esc(when(r.time))}</td><td>${esc(d.snapshots[i]?.hostname ?? '')}</td>` +
      `<td>${bytes(r.logical_bytes)}</td><td>${bytes(r.bytes_added)}</td><td>${bytes(r.bytes_stored)}</td><td>${bytes(r.total_stored_bytes)}</td><td>${formatUsd(r.monthly_cost_usd)}</td></tr>`),
    '</tbody></table>',
  ].join('\n');

  const notes = [
    d.exact ? 'Growth recomputed from the trees: each chunk is charged to the oldest snapshot that uses it now.'
      : 'Growth as recorded by create. After forget/prune the running total can understate; run snap report --exact for figures recomputed from the trees.',
    'Stored totals include tree metadata; the stored card counts every pack file (headers and unused space included).',
    ...d.notes,
  ];
  const data = JSON.stringify({
    repository_id: d.repositoryId, generated: d.generated, price_per_gb_month: d.pricePerGbMonth, stored_bytes: d.storedBytes, rows, latest: d.latest,
    ...(d.requests ? { requests_30_days: d.requests } : {}),
  }).replace(/</g, '\\u003c');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>snap report: ${esc(d.location)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>snap repository report</h1>
<p class="meta"><code>${esc(d.location)}</code> · repository ${esc(short(d.repositoryId))} · generated ${esc(d.generated.slice(0, 19).replace('T', ' '))} UTC</p></header>
<section class="cards">${cards.map(([k, v, s]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div><div class="s">${esc(s)}</div></div>`).join('')}</section>
${sections.join('\n')}
<section><h2>All snapshots</h2>${table}</section>
<footer>${notes.map((n) => `<p>${esc(n)}</p>`).join('')}</footer>
<script type="application/json" id="snap-report-data">${data}</script>
<script>${CHECK_SCRIPT}</script>
</body>
</html>
`;
}

/** This host's S3 requests: by kind, and by command, with their cost when prices were given. */
function requestsSection(r: RequestSummary): string {
  const priced = r.cost_usd !== null;
  const kinds = Object.keys(r.requests).filter((k) => k !== 'total');
  const cost = (usd: number | null) => (usd === null ? '' : `<td>${esc(formatUsd(usd))}</td>`);
  const byKind = [
    `<table class="requests"><thead><tr>${kinds.map((k) => `<th>${esc(k.toUpperCase())}</th>`).join('')}<th>Total</th>${priced ? '<th>Cost</th>' : ''}</tr></thead><tbody>`,
    `<tr>${kinds.map((k) => `<td>${r.requests[k]}</td>`).join('')}<td>${r.requests.total}</td>${cost(r.cost_usd)}</tr>`,
    '</tbody></table>',
  ].join('');
  const commands = Object.entries(r.by_command).sort(([, a], [, b]) => b.requests - a.requests);
  const byCommand = [
    `<table class="requests by-command"><thead><tr><th>Command</th><th>Runs</th><th>Requests</th>${priced ? '<th>Cost</th>' : ''}</tr></thead><tbody>`,
    ...commands.map(([name, c]) => `<tr><td>${esc(name)}</td><td>${c.runs}</td><td>${c.requests}</td>${cost(c.cost_usd)}</tr>`),
    '</tbody></table>',
  ].join('');
  const sub =
    `${r.commands} command(s) of this host since ${when(r.since)} UTC (the last ${r.days} days); each host counts its own, so add the hosts' figures for the bill. ` +
    (priced ? 'Cost at the given prices per 1000 requests.' : 'Give --request-prices (or SNAP_S3_PRICES) for their cost.');
  return `<section><h2>S3 requests of this host</h2><p class="sub">${esc(sub)}</p>${byKind}${byCommand}</section>`;
}

function section(title: string, sub: string, chart: string): string {
  return `<section><h2>${esc(title)}</h2><p class="sub">${esc(sub)}</p><div class="chartbox">${chart}</div></section>`;
}

/** The end of a long path, which is the part that says what the file is. */
function tail(p: string, max = 36): string {
  return p.length <= max ? p : `…${p.slice(-(max - 1))}`;
}

const CSS = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5f6b76; --line: #e3e7eb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 24px; max-width: 940px; background: #fbfcfd; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 2px; }
.meta, .sub, footer { color: var(--muted); } .sub { margin: 0 0 8px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; } .card .s { color: var(--muted); font-size: 12px; }
.chartbox { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
svg.chart { display: block; width: 100%; height: auto; }
svg .grid { stroke: var(--line); } svg .axis { stroke: #9aa5ae; }
svg .tick { font-size: 11px; fill: var(--muted); } svg .legend { font-size: 12px; fill: var(--fg); }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; white-space: nowrap; }
th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
table.requests th, table.requests td { text-align: right; } table.by-command th:first-child, table.by-command td:first-child { text-align: left; }
table + table { margin-top: 10px; }
footer { margin-top: 24px; font-size: 12px; }
`;

/** Marks the page as rendered (data-ok="1") when every chart has a size; a headless browser test reads it. */
const CHECK_SCRIPT = `
(function () {
  var body = document.body;
  try {
    var charts = Array.prototype.slice.call(document.querySelectorAll('svg.chart'));
    var sizes = charts.map(function (s) { var r = s.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); });
    body.setAttribute('data-charts', sizes.join(','));
    var ok = charts.length > 0 && charts.every(function (s) { var r = s.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
    body.setAttribute('data-ok', ok ? '1' : '0');
  } catch (e) {
    body.setAttribute('data-ok', '0');
    body.setAttribute('data-error', String(e));
    console.error('snap report: ' + e);
  }
})();
`;
