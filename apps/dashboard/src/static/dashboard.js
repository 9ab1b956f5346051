// Dashboard client: polls /api/state and renders regions, replicas, breakers, traffic and latency
// over time, and the timeline of events. Plain ES modules, no build step. Everything from the
// server is inserted with textContent.
import { niceMax, renderTimeChart } from './chart.js';
import { chartMarkers, renderTimeline } from './timeline.js';

// The run token is not in the page: the server set it as an HttpOnly, SameSite=Strict cookie on
// this same-origin visit, and same-origin fetches send it.
const COLORS = ['#58a6ff', '#d2a8ff', '#3fb950', '#f0883e', '#ff7b72'];
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    // CSSOM, not a style attribute: the page's CSP forbids inline style attributes.
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function pill(text, cls) {
  const p = el('span', { class: `pill ${cls}` });
  p.textContent = text;
  return p;
}

function replicaCondition(r) {
  const c = r.chaos;
  if (!c) return 'unknown';
  if (c.down) return 'down';
  if (c.hang) return 'hang';
  if (c.errorRate > 0) return 'errors';
  if (c.latencyMs > 0) return 'slow';
  return 'up';
}

async function chaos(target, id, action) {
  $('status').textContent = `${action} ${target} ${id}…`;
  try {
    const res = await fetch('/api/chaos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ target, id, action }),
    });
    $('status').textContent = res.ok
      ? `${action} ${target} ${id}: done`
      : `${action} ${target} ${id}: HTTP ${res.status}`;
  } catch (e) {
    $('status').textContent = `${action} failed: ${e}`;
  }
  void refresh();
}

const rows = new Map();
function replicaRow(r) {
  let row = rows.get(r.id);
  if (row) return row;
  const cells = {
    state: el('td', { class: 'state', 'data-testid': `state-${r.id}` }),
    health: el('td'),
    ejected: el('td'),
    inFlight: el('td'),
    p99: el('td'),
    requests: el('td'),
  };
  const actions = el('td');
  for (const action of ['kill', 'revive', 'slow', 'errors', 'hang', 'reset']) {
    actions.append(
      el(
        'button',
        {
          class: action === 'kill' ? 'danger' : '',
          'data-action': action,
          'data-replica': r.id,
          onclick: () => chaos('replica', r.id, action),
        },
        action,
      ),
      ' ',
    );
  }
  row = {
    tr: el(
      'tr',
      { 'data-replica': r.id },
      el('td', {}, r.id),
      cells.state,
      cells.health,
      cells.ejected,
      cells.inFlight,
      cells.p99,
      cells.requests,
      actions,
    ),
    cells,
  };
  rows.set(r.id, row);
  return row;
}

const regionBoxes = new Map();
function regionBox(region, index) {
  let box = regionBoxes.get(region);
  if (box) return box;
  const tbody = el('tbody');
  const head = el(
    'tr',
    {},
    ...['replica', 'state', 'health', 'ejected', 'in-flight', 'p99', 'requests', 'chaos'].map((h) => el('th', {}, h)),
  );
  const title = el(
    'h3',
    {},
    `${region}${index === 0 ? ' (primary)' : ''}`,
    el(
      'button',
      { class: 'danger', 'data-action': 'kill', 'data-region': region, onclick: () => chaos('region', region, 'kill') },
      'kill region',
    ),
    el(
      'button',
      { 'data-action': 'revive', 'data-region': region, onclick: () => chaos('region', region, 'reset') },
      'restore region',
    ),
  );
  box = {
    div: el(
      'div',
      { class: 'region', 'data-region-box': region },
      title,
      el('table', {}, el('thead', {}, head), tbody),
    ),
    tbody,
  };
  regionBoxes.set(region, box);
  $('regions').append(box.div);
  return box;
}

function renderReplicas(state) {
  state.regions.forEach((region, i) => {
    const box = regionBox(region, i);
    for (const r of state.replicas.filter((x) => x.region === region)) {
      const row = replicaRow(r);
      if (row.tr.parentNode !== box.tbody) box.tbody.append(row.tr);
      const cond = replicaCondition(r);
      row.cells.state.replaceChildren(pill(cond, cond));
      row.cells.health.replaceChildren(
        r.healthy === undefined
          ? pill('?', 'unknown')
          : pill(r.healthy ? 'healthy' : 'unhealthy', r.healthy ? 'healthy' : 'unhealthy'),
      );
      row.cells.ejected.replaceChildren(r.ejected ? pill('ejected', 'ejected') : '–');
      row.cells.inFlight.textContent = r.inFlight ?? '–';
      renderP99(row.cells.p99, r);
      row.cells.requests.textContent = r.requests ?? '–';
    }
  });
}

function renderBreakers(state) {
  const table = $('breakers');
  const head = el(
    'tr',
    {},
    el('th', {}, 'endpoint'),
    ...state.gateways.map((g) => el('th', {}, `${g.id}${g.up ? '' : ' (down)'}`)),
  );
  table.tHead.replaceChildren(head);
  const ids = state.replicas.map((r) => r.id);
  table.tBodies[0].replaceChildren(
    ...ids.map((id) =>
      el(
        'tr',
        { 'data-breaker': id },
        el('td', {}, id),
        ...state.gateways.map((g) => {
          const s = g.breakers[id] ?? 'unknown';
          return el('td', { 'data-gateway': g.id }, pill(s, s));
        }),
      ),
    ),
  );
}

// A p99 is current only while the pods keep calling the replica: past STALE_MS without a sample it
// is shown greyed with its age, and once the pods' 10 s window is empty it is not shown at all.
const STALE_MS = 3_000;
function renderP99(td, r) {
  const age = r.p99AgeMs;
  td.classList.toggle('stale', r.p99Ms !== undefined && age !== undefined && age > STALE_MS);
  if (r.p99Ms === undefined) {
    td.replaceChildren(age === undefined ? '–' : `– (no calls for ${Math.round(age / 1000)} s)`);
  } else if (age !== undefined && age > STALE_MS) {
    td.replaceChildren(`${Math.round(r.p99Ms)} ms `, pill(`stale ${Math.round(age / 1000)} s`, 'unknown'));
  } else {
    td.replaceChildren(`${Math.round(r.p99Ms)} ms`);
  }
}

const SPAN_MS = 60_000;
function renderCharts(state) {
  const now = state.now ?? Date.now();
  const markers = chartMarkers(state.events ?? []);
  renderTimeChart($('traffic'), {
    label: 'share of requests per region and client error rate over the last 60 s',
    now,
    spanMs: SPAN_MS,
    points: state.traffic,
    yMax: 1,
    yTicks: [0, 0.5, 1],
    yFormat: (v) => `${Math.round(v * 100)} %`,
    markers,
    areas: state.regions.map((region, i) => ({
      color: COLORS[i % COLORS.length],
      value: (p) => (p.total ? (p.byRegion[region] ?? 0) / p.total : 0),
    })),
    lines: [{ name: 'errors', color: '#f85149', value: (p) => (p.total ? Math.min(1, (p.errors / p.total) * 10) : 0) }],
  });
  $('legend').replaceChildren(
    ...state.regions.map((r, i) => el('span', {}, el('i', { style: `background:${COLORS[i % COLORS.length]}` }), r)),
    el('span', {}, el('i', { style: 'background:#f85149' }), 'error rate ×10'),
  );
  const recent = state.traffic.filter((p) => p.t >= now - SPAN_MS);
  const top = niceMax(Math.max(10, ...recent.map((p) => p.p99Ms ?? 0)));
  renderTimeChart($('latency'), {
    label: 'client p50 and p99 latency per second over the last 60 s',
    now,
    spanMs: SPAN_MS,
    points: state.traffic,
    yMax: top,
    yTicks: [0, top / 2, top],
    yFormat: (v) => (v >= 1000 ? `${v / 1000} s` : `${Math.round(v)} ms`),
    markers,
    lines: [
      { name: 'p99', color: '#f0883e', value: (p) => p.p99Ms },
      { name: 'p50', color: '#58a6ff', value: (p) => p.p50Ms },
    ],
  });
}

function render(state) {
  $('phase').textContent = state.phase ?? '–';
  $('error-rate').textContent = `${(state.errorRate * 100).toFixed(2)} %`;
  $('serving').textContent = state.gateways.map((g) => g.currentRegion ?? '–').join(' / ') || '–';
  $('store').textContent = state.gateways[0]?.store ?? '–';
  renderReplicas(state);
  renderBreakers(state);
  renderCharts(state);
  renderTimeline($('timeline').tBodies[0], state.events ?? [], state.now ?? Date.now());
  $('notes').replaceChildren(...(state.notes ?? []).map((n) => el('li', {}, n)));
}

let inFlight = false;
async function refresh() {
  if (inFlight) return;
  inFlight = true;
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    if (res.ok) render(await res.json());
  } catch {
    $('status').textContent = 'demo not reachable';
  } finally {
    inFlight = false;
  }
}
void refresh();
setInterval(refresh, 400);
