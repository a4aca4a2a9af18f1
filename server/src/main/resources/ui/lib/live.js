// The live event stream (GET /api/v1/events, docs/dashboard.md "Live events") and small shared
// drawings of the live pages. One EventSource per page; the page's cleanup closes it.
import {h, svg} from './dom.js';

/**
 * Opens the event stream. handlers: {rollout(data), fleet(data), open()}; open() runs on every
 * (re)connection, so a page re-reads its snapshot then (events missed while disconnected are not
 * replayed). Returns a function that closes the stream.
 */
export function subscribe(handlers) {
  const source = new EventSource('/api/v1/events', {withCredentials: true});
  const on = (name, fn) => source.addEventListener(name, e => {
    try {
      fn(JSON.parse(e.data));
    } catch (err) {
      // a malformed event is skipped; the next one carries the full state again
    }
  });
  if (handlers.rollout) on('rollout', handlers.rollout);
  if (handlers.fleet) on('fleet', handlers.fleet);
  if (handlers.open) source.addEventListener('open', () => handlers.open());
  return () => source.close();
}

/** Calls fn at most once per `ms`, the last call always running (trailing edge). */
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  return () => {
    if (timer) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(function again() {
      timer = null;
      if (pending) {
        pending = false;
        fn();
        timer = setTimeout(again, ms);
      }
    }, ms);
  };
}

/** Colours of update outcomes (AA contrast on white) and their names. */
export const OUTCOME = {
  confirmed: {colour: '#0a6b2d', name: 'confirmed'},
  failed: {colour: '#a4000f', name: 'failed'},
  rolledBack: {colour: '#7a4b00', name: 'rolled back'},
  inFlight: {colour: '#0b57d0', name: 'in flight'},
  offered: {colour: '#8ab4f8', name: 'offered'},
};

/**
 * A horizontal stacked bar: parts [{key, value}] of `total`; an accessible image whose label says
 * the numbers. Widths are SVG attributes (the CSP allows no inline styles).
 */
export function stackedBar(label, parts, total, width = 600) {
  const height = 22;
  let x = 0;
  const rects = [];
  for (const p of parts) {
    if (!p.value || !total) continue;
    const w = Math.max(1, Math.round(width * p.value / total));
    rects.push(svg('rect', {x, y: 0, width: Math.min(w, width - x), height, fill: OUTCOME[p.key].colour},
      svg('title', {text: OUTCOME[p.key].name + ': ' + p.value})));
    x += w;
  }
  return svg('svg', {class: 'bar', viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img', 'aria-label': label,
    preserveAspectRatio: 'none'},
  svg('rect', {x: 0, y: 0, width, height, fill: '#eef0f3', stroke: '#4d5560', 'stroke-width': 1}), rects);
}

/** A legend of the outcome colours named in `keys`. */
export function legend(keys) {
  return h('ul', {class: 'legend'}, keys.map(k => h('li', {},
    svg('svg', {width: 12, height: 12, 'aria-hidden': 'true'}, svg('rect', {width: 12, height: 12, fill: OUTCOME[k].colour})),
    ' ' + OUTCOME[k].name)));
}

/** A list answer of either shape: a page {items, next, total} or a plain array. */
export function items(answer) {
  return Array.isArray(answer) ? answer : (answer && answer.items) || [];
}
