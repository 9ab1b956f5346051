// The timeline: what happened, when (clock time and seconds ago), on which pod, and why.
const KIND_LABEL = {
  breaker: 'breaker',
  ejection: 'ejection',
  health: 'health',
  region: 'region',
  store: 'store',
  phase: 'phase',
  chaos: 'chaos',
};

function cell(text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  td.textContent = text;
  return td;
}

function clock(at) {
  const d = new Date(at);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0').slice(0, 1)}`;
}

/** Renders the newest `max` events first into `tbody`. */
export function renderTimeline(tbody, events, now, max = 80) {
  const rows = events
    .slice(-max)
    .reverse()
    .map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = e.kind;
      const kind = document.createElement('td');
      const pill = document.createElement('span');
      pill.className = `pill ${e.severity === 'bad' ? 'open' : e.severity === 'warn' ? 'half-open' : e.severity === 'ok' ? 'closed' : 'unknown'}`;
      pill.textContent = KIND_LABEL[e.kind] ?? e.kind;
      kind.append(pill);
      tr.append(
        cell(clock(e.at)),
        cell(`−${((now - e.at) / 1000).toFixed(1)} s`, 'ago'),
        kind,
        cell(e.gateway ?? '–'),
        cell(e.subject),
        cell(e.text, 'what'),
      );
      return tr;
    });
  tbody.replaceChildren(...rows);
}

/** Events worth a vertical marker on the charts: phases, chaos, region switches, breaker trips. */
export function chartMarkers(events) {
  const lastTrip = new Map();
  const out = [];
  for (const e of events) {
    const trip = e.kind === 'breaker' && e.severity === 'bad' && !e.text.includes('another pod');
    if (!(e.kind === 'phase' || e.kind === 'chaos' || e.kind === 'region' || trip)) continue;
    // One line per endpoint trip, not one per pod: the pods trip within milliseconds of each other.
    if (trip && e.at - (lastTrip.get(e.subject) ?? -Infinity) < 2_000) continue;
    if (trip) lastTrip.set(e.subject, e.at);
    // Breaker trips get a line only (their names would pile up); the rest a short label too.
    const short =
      e.kind === 'phase'
        ? e.subject
        : e.kind === 'region'
          ? `→ ${e.subject}`
          : e.kind === 'chaos'
            ? e.text
                .split(' ')
                .filter((_, i) => i !== 1)
                .slice(0, 2)
                .join(' ')
            : '';
    out.push({
      at: e.at,
      severity: e.severity,
      short,
      title: `${e.gateway ? `${e.gateway}: ` : ''}${e.subject} — ${e.text}`,
    });
  }
  return out;
}
