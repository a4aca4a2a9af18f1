// Building the page from data: always DOM nodes and textContent, never innerHTML. A device-reported
// string or release note containing "<script>" is shown as those characters.

/**
 * h('button', {class: 'primary', onclick: fn, 'aria-label': 'x'}, 'text', childNode, [more]).
 * Props: "class", "text" (textContent), "on<event>" (listener), booleans (disabled, checked...) as
 * properties, "value" as property, anything else as an attribute. Children: strings become text
 * nodes; null, undefined and false are skipped; arrays are flattened.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'multiple') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An SVG element (namespace-aware), same props and children as h(). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** A table: headers, then rows of cells (strings or nodes). */
export function table(caption, headers, rows) {
  return h('div', {class: 'table-wrap'},
    h('table', {},
      caption ? h('caption', {text: caption}) : null,
      h('thead', {}, h('tr', {}, headers.map(t => h('th', {scope: 'col', text: t})))),
      h('tbody', {}, rows.map(r => h('tr', {}, r.map(c => h('td', {}, c)))))));
}

/** "2026-12-07 01:57 UTC" from an ISO instant; "" for null. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** "1.2 MB" */
export function bytes(n) {
  if (n === null || n === undefined) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(2) + ' MB';
}

/** A visible error box (role=alert) with the error's message: the server's own words for API errors. */
export function errorBox(err) {
  return h('p', {class: 'error', role: 'alert', text: err && err.message ? err.message : String(err)});
}
