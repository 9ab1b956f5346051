// Time-axis charts for the dashboard: an SVG plot (stretched to its box) plus HTML tick labels
// positioned with CSSOM (the page's CSP forbids inline style attributes, not CSSOM).
const NS = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 100;

function svgEl(tag, attrs) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function label(cls, text, pos) {
  const d = document.createElement('div');
  d.className = cls;
  d.textContent = text;
  for (const [k, v] of Object.entries(pos)) d.style[k] = v;
  return d;
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^n at or above v. */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

/**
 * Renders into `box` (a div.chart): x is time from `now - spanMs` to `now` with a tick every
 * `tickMs`; y from 0 to `yMax` with the given ticks. `areas` are stacked polygons (values per
 * point), `lines` polylines; `markers` vertical lines at event times with a short title.
 */
export function renderTimeChart(box, o) {
  const { now, spanMs, tickMs = 10_000, yMax, yTicks, yFormat, points, areas = [], lines = [], markers = [] } = o;
  const x = (t) => ((t - (now - spanMs)) / spanMs) * W;
  const y = (v) => H - (Math.min(v, yMax) / yMax) * H;
  const svg = svgEl('svg', {
    viewBox: `0 0 ${W} ${H}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': o.label ?? 'chart',
  });
  const labels = [];
  for (const v of yTicks) {
    svg.append(
      svgEl('line', { x1: 0, x2: W, y1: y(v), y2: y(v), class: 'grid', 'vector-effect': 'non-scaling-stroke' }),
    );
    labels.push(label('ytick', yFormat(v), { top: `${(y(v) / H) * 100}%` }));
  }
  for (let k = 0; k * tickMs <= spanMs; k++) {
    const t = now - k * tickMs;
    svg.append(
      svgEl('line', { x1: x(t), x2: x(t), y1: 0, y2: H, class: 'grid', 'vector-effect': 'non-scaling-stroke' }),
    );
    labels.push(label('xtick', k === 0 ? 'now' : `−${(k * tickMs) / 1000} s`, { left: `${(x(t) / W) * 100}%` }));
  }
  const pts = points.filter((p) => p.t >= now - spanMs - 1_000);
  // A point stands for the second starting at p.t: draw it at the middle of that second.
  const px = (p) => x(p.t + 500);
  let base = pts.map(() => 0);
  for (const a of areas) {
    const top = pts.map((p, j) => base[j] + (a.value(p) ?? 0));
    if (pts.length > 0) {
      const upper = top.map((v, j) => `${px(pts[j])},${y(v)}`);
      const lower = base.map((v, j) => `${px(pts[j])},${y(v)}`).reverse();
      svg.append(svgEl('polygon', { points: [...upper, ...lower].join(' '), fill: a.color, 'fill-opacity': 0.7 }));
    }
    base = top;
  }
  for (const l of lines) {
    const coords = pts.filter((p) => typeof l.value(p) === 'number').map((p) => `${px(p)},${y(l.value(p))}`);
    if (coords.length > 0)
      svg.append(
        svgEl('polyline', {
          points: coords.join(' '),
          fill: 'none',
          stroke: l.color,
          'stroke-width': 2,
          'vector-effect': 'non-scaling-stroke',
          'data-series': l.name,
        }),
      );
  }
  let lastLabelX = -Infinity;
  for (const m of markers) {
    if (m.at < now - spanMs || m.at > now) continue;
    const line = svgEl('line', {
      x1: x(m.at),
      x2: x(m.at),
      y1: 0,
      y2: H,
      class: `marker ${m.severity ?? 'info'}`,
      'vector-effect': 'non-scaling-stroke',
    });
    const title = svgEl('title', {});
    title.textContent = m.title;
    line.append(title);
    svg.append(line);
    // Labels closer than 14 % of the width would overlap: the later one keeps only its line (and title).
    if (m.short && x(m.at) - lastLabelX >= W * 0.14) {
      labels.push(label(`mtick ${m.severity ?? 'info'}`, m.short, { left: `${(x(m.at) / W) * 100}%` }));
      lastLabelX = x(m.at);
    }
  }
  box.replaceChildren(svg, ...labels);
}
