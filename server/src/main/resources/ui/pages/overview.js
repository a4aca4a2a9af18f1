// Overview: per product the devices by running release (a bar and its table), devices seen in the
// last hour / day / longer, update outcomes per hour (24 h) and per day (30 days), and the devices
// that need attention with links to them. Aggregated by the server (GET /api/v1/overview); the
// fleet counters of the live stream say when to read it again (at most every 5 s).
import {h, svg, table, when, errorBox} from '../lib/dom.js';
import {api, seg} from '../lib/api.js';
import {subscribe, throttle, stackedBar, legend, OUTCOME} from '../lib/live.js';

/** Colours for a product's versions, in order (AA contrast against white for the text beside them). */
const PALETTE = ['#0b57d0', '#0a6b2d', '#7a4b00', '#6a1b9a', '#00695c', '#ad1457', '#37474f', '#4e342e'];

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Overview'}));
  const counters = h('p', {id: 'fleet-counters', class: 'help', 'aria-live': 'polite'});
  const body = h('div', {id: 'overview-body'});
  root.append(counters, body);
  const draw = async () => {
    try {
      const o = await api('/api/v1/overview');
      if (ctx.current()) body.replaceChildren(...content(o));
    } catch (e) {
      if (ctx.current()) body.replaceChildren(errorBox(e));
    }
  };
  await draw();
  const again = throttle(draw, 5000);
  return subscribe({
    open: again,
    fleet: f => {
      const checkIns = Object.values(f.checkIns || {}).reduce((a, b) => a + b, 0);
      counters.textContent = 'Live: ' + checkIns + ' check-ins since the server started, ' + f.downloadsInFlight
        + ' downloads in flight, ' + (f.rollouts.running || 0) + ' rollouts running.';
      again();
    },
    rollout: again,
  });
}

function content(o) {
  return [
    h('p', {class: 'help', text: 'As of ' + when(o.at) + '.'}),
    attention(o.attention),
    h('section', {'aria-labelledby': 'versions-h'},
      h('h2', {id: 'versions-h', text: 'Devices by running release'}),
      o.products.length === 0 ? h('p', {text: 'No products yet.'}) : o.products.map(product)),
    h('section', {'aria-labelledby': 'seen-h'},
      h('h2', {id: 'seen-h', text: 'Last seen'}),
      table(null, ['Product', 'Last hour', 'Last day', 'Longer ago', 'Devices'],
        o.products.map(p => [p.product, String(p.seen.lastHour), String(p.seen.lastDay), String(p.seen.older), String(p.devices)])
          .concat([[h('strong', {text: 'All'}), String(o.seen.lastHour), String(o.seen.lastDay), String(o.seen.older),
            String(o.seen.lastHour + o.seen.lastDay + o.seen.older)]]))),
    h('section', {'aria-labelledby': 'outcomes-h'},
      h('h2', {id: 'outcomes-h', text: 'Update outcomes'}),
      legend(['confirmed', 'failed', 'rolledBack']),
      outcomes('Per hour, last 24 hours', o.outcomes.hourly, b => b.start.slice(11, 13) + 'h'),
      outcomes('Per day, last 30 days', o.outcomes.daily, b => b.start.slice(5, 10))),
  ];
}

function product(p) {
  const total = p.devices;
  let x = 0;
  const width = 600;
  const rects = p.versions.map((v, i) => {
    const w = total ? Math.max(1, Math.round(width * v.devices / total)) : 0;
    const r = svg('rect', {x, y: 0, width: w, height: 22, fill: PALETTE[i % PALETTE.length]},
      svg('title', {text: (v.version || 'unknown') + ': ' + v.devices}));
    x += w;
    return r;
  });
  const label = p.product + ': ' + p.versions.map(v => (v.version || 'no version') + ' ' + v.devices).join(', ');
  return h('div', {class: 'panel product-versions'},
    h('h3', {text: p.product + ' (' + total + ' devices)'}),
    svg('svg', {class: 'bar', viewBox: '0 0 ' + width + ' 22', width, height: 22, role: 'img', 'aria-label': label,
      preserveAspectRatio: 'none'}, rects),
    table(null, ['', 'Version', 'Devices', 'Share'], p.versions.map((v, i) => [
      svg('svg', {width: 12, height: 12, 'aria-hidden': 'true'}, svg('rect', {width: 12, height: 12, fill: PALETTE[i % PALETTE.length]})),
      h('a', {href: '#/devices/?product=' + encodeURIComponent(p.product) + '&version=' + encodeURIComponent(v.version || 'unknown'),
        class: 'mono', text: v.version || 'unknown'}, v.release ? null : h('span', {class: 'badge held', text: 'not a release'})),
      String(v.devices),
      total ? (100 * v.devices / total).toFixed(1) + ' %' : ''])));
}

/** A stacked column chart of confirmed / failed / rolled back per bucket, with the numbers as a table beside it. */
function outcomes(title, buckets, label) {
  const max = Math.max(1, ...buckets.map(b => b.confirmed + b.failed + b.rolledBack));
  const colW = 20;
  const height = 120;
  const cols = buckets.map((b, i) => {
    let y = height;
    const parts = ['confirmed', 'failed', 'rolledBack'].map(k => {
      const hgt = Math.round(height * b[k] / max);
      y -= hgt;
      return hgt ? svg('rect', {x: i * colW + 2, y, width: colW - 4, height: hgt, fill: OUTCOME[k].colour}) : null;
    }).filter(Boolean);
    return svg('g', {}, svg('title', {text: label(b) + ': ' + b.confirmed + ' confirmed, ' + b.failed + ' failed, '
      + b.rolledBack + ' rolled back'}), parts);
  });
  const sum = k => buckets.reduce((a, b) => a + b[k], 0);
  const summary = title + ': ' + sum('confirmed') + ' confirmed, ' + sum('failed') + ' failed, ' + sum('rolledBack') + ' rolled back';
  return h('figure', {class: 'chart'},
    h('figcaption', {text: summary}),
    svg('svg', {viewBox: '0 0 ' + (buckets.length * colW) + ' ' + (height + 14), class: 'columns', role: 'img', 'aria-label': summary},
      svg('line', {x1: 0, y1: height, x2: buckets.length * colW, y2: height, stroke: '#4d5560'}), cols,
      buckets.map((b, i) => i % 6 === 0 ? svg('text', {x: i * colW + 2, y: height + 12, 'font-size': 9, fill: '#1b1f24', text: label(b)}) : null)),
    h('details', {}, h('summary', {text: 'Numbers'}),
      table(null, ['From', 'Confirmed', 'Failed', 'Rolled back'],
        buckets.filter(b => b.confirmed + b.failed + b.rolledBack > 0).map(b => [when(b.start), String(b.confirmed), String(b.failed),
          String(b.rolledBack)]))));
}

const KINDS = [
  {key: 'failed', title: 'Failed updates', outcome: 'failed'},
  {key: 'rolledBack', title: 'Rolled back', outcome: 'rolled_back'},
  {key: 'silent', title: 'Silent after download', outcome: 'silent'},
  {key: 'refused', title: 'Refused for chip or free space', outcome: 'insufficient-space'},
  {key: 'unknownImage', title: 'Running an unknown image', outcome: 'unknown-image'},
];

function attention(a) {
  const total = KINDS.reduce((n, k) => n + a[k.key], 0);
  return h('section', {'aria-labelledby': 'attention-h', id: 'attention'},
    h('h2', {id: 'attention-h', text: 'Needs attention'}),
    h('ul', {class: 'counts'}, KINDS.map(k => h('li', {},
      h('a', {href: '#/devices/?outcome=' + encodeURIComponent(k.outcome)}, h('strong', {text: String(a[k.key])}), ' ' + k.title)))),
    total === 0 ? h('p', {class: 'ok', text: 'Nothing needs attention.'})
      : table('The most recent', ['Device', 'Product', 'What', 'Version', 'Detail', 'When'], a.devices.map(c => [
        h('a', {href: '#/devices/' + seg(c.mac), class: 'mono', text: c.mac}),
        c.product, c.kind, c.version || '', h('span', {class: 'notes', text: c.detail || ''}), when(c.at)])));
}
