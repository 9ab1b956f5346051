// Dashboard client: polls /api/state and renders regions, replicas, breakers and traffic.
// Plain ES module, no build step. Everything from the server is inserted with textContent.
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
    const res = await fetch('/api/chaos', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ target, id, action }) });
    $('status').textContent = res.ok ? `${action} ${target} ${id}: done` : `${action} ${target} ${id}: HTTP ${res.status}`;
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
    health: el('td'), ejected: el('td'), inFlight: el('td'), p99: el('td'), requests: el('td'),
  };
  const actions = el('td');
  for (const action of ['kill', 'revive', 'slow', 'errors', 'hang', 'reset']) {
    actions.append(el('button', { class: action === 'kill' ? 'danger' : '', 'data-action': action, 'data-replica': r.id, onclick: () => chaos('replica', r.id, action) }, action), ' ');
  }
  row = { tr: el('tr', { 'data-replica': r.id }, el('td', {}, r.id), cells.state, cells.health, cells.ejected, cells.inFlight, cells.p99, cells.requests, actions), cells };
  rows.set(r.id, row);
  return row;
}

const regionBoxes = new Map();
function regionBox(region, index) {
  let box = regionBoxes.get(region);
  if (box) return box;
  const tbody = el('tbody');
  const head = el('tr', {}, ...['replica', 'state', 'health', 'ejected', 'in-flight', 'p99', 'requests', 'chaos'].map((h) => el('th', {}, h)));
  const title = el('h3', {}, `${region}${index === 0 ? ' (primary)' : ''}`,
    el('button', { class: 'danger', 'data-action': 'kill', 'data-region': region, onclick: () => chaos('region', region, 'kill') }, 'kill region'),
    el('button', { 'data-action': 'revive', 'data-region': region, onclick: () => chaos('region', region, 'reset') }, 'restore region'));
  box = { div: el('div', { class: 'region', 'data-region-box': region }, title, el('table', {}, el('thead', {}, head), tbody)), tbody };
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
      row.cells.health.replaceChildren(r.healthy === undefined ? pill('?', 'unknown') : pill(r.healthy ? 'healthy' : 'unhealthy', r.healthy ? 'healthy' : 'unhealthy'));
      row.cells.ejected.replaceChildren(r.ejected ? pill('ejected', 'ejected') : '–');
      row.cells.inFlight.textContent = r.inFlight ?? '–';
      row.cells.p99.textContent = r.p99Ms === undefined ? '–' : `${Math.round(r.p99Ms)} ms`;
      row.cells.requests.textContent = r.requests ?? '–';
    }
  });
}

function renderBreakers(state) {
  const table = $('breakers');
  const head = el('tr', {}, el('th', {}, 'endpoint'), ...state.gateways.map((g) => el('th', {}, `${g.id}${g.up ? '' : ' (down)'}`)));
  table.tHead.replaceChildren(head);
  const ids = state.replicas.map((r) => r.id);
  table.tBodies[0].replaceChildren(...ids.map((id) => el('tr', { 'data-breaker': id }, el('td', {}, id),
    ...state.gateways.map((g) => {
      const s = g.breakers[id] ?? 'unknown';
      return el('td', { 'data-gateway': g.id }, pill(s, s));
    }))));
}

function renderTraffic(state) {
  const svg = $('traffic');
  const pts = state.traffic.slice(-60);
  const W = 600, H = 160, n = Math.max(pts.length - 1, 1);
  const ns = 'http://www.w3.org/2000/svg';
  const shapes = [];
  let base = pts.map(() => 0);
  state.regions.forEach((region, i) => {
    const top = pts.map((p, j) => base[j] + (p.total ? (p.byRegion[region] ?? 0) / p.total : 0));
    const upper = top.map((v, j) => `${(j / n) * W},${H - v * H}`);
    const lower = base.map((v, j) => `${(j / n) * W},${H - v * H}`).reverse();
    const poly = document.createElementNS(ns, 'polygon');
    poly.setAttribute('points', [...upper, ...lower].join(' '));
    poly.setAttribute('fill', COLORS[i % COLORS.length]);
    poly.setAttribute('fill-opacity', '0.7');
    shapes.push(poly);
    base = top;
  });
  const err = document.createElementNS(ns, 'polyline');
  err.setAttribute('points', pts.map((p, j) => `${(j / n) * W},${H - Math.min(1, p.total ? (p.errors / p.total) * 10 : 0) * H}`).join(' '));
  err.setAttribute('fill', 'none');
  err.setAttribute('stroke', '#f85149');
  err.setAttribute('stroke-width', '2');
  shapes.push(err);
  svg.replaceChildren(...shapes);
  $('legend').replaceChildren(...state.regions.map((r, i) => el('span', {}, el('i', { style: `background:${COLORS[i % COLORS.length]}` }), r)),
    el('span', {}, el('i', { style: 'background:#f85149' }), 'errors ×10'));
}

function render(state) {
  $('phase').textContent = state.phase ?? '–';
  $('error-rate').textContent = `${(state.errorRate * 100).toFixed(2)} %`;
  $('serving').textContent = state.gateways.map((g) => g.currentRegion ?? '–').join(' / ') || '–';
  $('store').textContent = state.gateways[0]?.store ?? '–';
  renderReplicas(state);
  renderBreakers(state);
  renderTraffic(state);
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
