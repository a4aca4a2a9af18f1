// Devices: the list, paged, filtered and sorted by the server (GET /api/v1/devices, docs/api.md
// "The device list"; the free text is sent 300 ms after the last key), and one device's page
// (#/devices/<MAC>): identity, running image, pin, tags, and its timeline of decisions and updates.
// The filters live in the address (#/devices/?q=...&outcome=...), so a link can open a filtered list.
import {h, table, when, bytes, errorBox} from '../lib/dom.js';
import {api, seg} from '../lib/api.js';
import {items} from '../lib/live.js';

const OUTCOMES = ['', 'failed', 'rolled_back', 'silent', 'unknown-image', 'insufficient-space', 'wrong-chip', 'chip-too-small',
  'offered', 'downloading', 'downloaded', 'installed', 'confirmed', 'up-to-date', 'update'];
const SEEN = [['', 'any time'], ['seen=1h', 'seen in the last hour'], ['seen=1d', 'seen in the last day'],
  ['unseen=1d', 'not seen for a day'], ['unseen=7d', 'not seen for 7 days']];
const COLUMNS = [['mac', 'MAC'], ['product', 'Product'], ['version', 'Running'], ['lastSeen', 'Last seen']];

export default async function render(root, ctx) {
  const first = ctx.args[0] || '';
  if (first && !first.startsWith('?')) return device(root, ctx, first);
  return list(root, ctx, new URLSearchParams(first.replace(/^\?/, '')));
}

async function list(root, ctx, params) {
  root.append(h('h1', {text: 'Devices'}));
  const products = items(await api('/api/v1/products?limit=1000'));
  const state = {sort: params.get('sort') || 'mac', cursors: [null]};
  const field = (id, label, input) => h('div', {class: 'field'}, h('label', {for: id, text: label}), input);
  const q = h('input', {id: 'f-q', type: 'search', value: params.get('q') || '', autocomplete: 'off', placeholder: 'MAC, address or tag'});
  const product = h('select', {id: 'f-product'}, h('option', {value: '', text: 'all products'}),
    products.map(p => h('option', {value: p.name, text: p.name, selected: params.get('product') === p.name})));
  const version = h('input', {id: 'f-version', value: params.get('version') || '', autocomplete: 'off', placeholder: 'e.g. 1.2.0 or unknown'});
  const tag = h('input', {id: 'f-tag', value: params.get('tag') || '', autocomplete: 'off'});
  const outcome = h('select', {id: 'f-outcome'}, OUTCOMES.map(o => h('option', {value: o, text: o || 'any', selected: params.get('outcome') === o})));
  const seenNow = params.get('seen') ? 'seen=' + params.get('seen') : params.get('unseen') ? 'unseen=' + params.get('unseen') : '';
  const seen = h('select', {id: 'f-seen'}, SEEN.map(([v, t]) => h('option', {value: v, text: t, selected: v === seenNow})));
  const result = h('div', {id: 'device-results', 'aria-live': 'polite'});
  root.append(h('form', {class: 'panel filters', role: 'search', onsubmit: e => { e.preventDefault(); reload(); }},
    h('div', {class: 'row'}, field('f-q', 'Search', q), field('f-product', 'Product', product), field('f-version', 'Running version', version),
      field('f-tag', 'Tag', tag), field('f-outcome', 'Outcome', outcome), field('f-seen', 'Last seen', seen))), result);

  const query = () => {
    const p = new URLSearchParams();
    if (q.value.trim()) p.set('q', q.value.trim());
    if (product.value) p.set('product', product.value);
    if (version.value.trim()) p.set('version', version.value.trim());
    if (tag.value.trim()) p.set('tag', tag.value.trim());
    if (outcome.value) p.set('outcome', outcome.value);
    if (seen.value) {
      const [k, v] = seen.value.split('=');
      p.set(k, v);
    }
    if (state.sort !== 'mac') p.set('sort', state.sort);
    return p;
  };
  let request = 0;
  const load = async page => {
    const mine = ++request;
    const p = query();
    // The address keeps the filters (no hashchange: the page is not drawn again).
    history.replaceState(null, '', '#/devices/' + (p.toString() ? '?' + p.toString() : ''));
    p.set('limit', '50');
    if (state.cursors[page]) p.set('cursor', state.cursors[page]);
    try {
      const answer = await api('/api/v1/devices?' + p.toString());
      if (mine !== request || !ctx.current()) return;
      const next = answer.next ? new URL(answer.next, location.origin).searchParams.get('cursor') : null;
      state.cursors[page + 1] = next;
      result.replaceChildren(...rows(ctx, answer, page, next, state, load));
    } catch (e) {
      if (mine === request) result.replaceChildren(errorBox(e));
    }
  };
  const reload = () => { state.cursors = [null]; load(0); };
  let typing = null;
  q.addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(reload, 300); });
  [product, outcome, seen].forEach(s => s.addEventListener('change', reload));
  [version, tag].forEach(s => s.addEventListener('change', reload));
  state.reload = reload;
  await load(0);
  return () => clearTimeout(typing);
}

function rows(ctx, answer, page, next, state, load) {
  const list = items(answer);
  const sortButton = ([key, title]) => {
    const active = state.sort === key || state.sort === '-' + key;
    const descending = state.sort === '-' + key;
    return h('button', {type: 'button', class: 'link sort', 'aria-label': 'Sort by ' + title + (active ? (descending ? ', now descending' : ', now ascending') : ''),
      onclick: () => { state.sort = active && !descending ? '-' + key : key; state.reload(); }},
    title + (active ? (descending ? ' ▼' : ' ▲') : ''));
  };
  const head = h('thead', {}, h('tr', {}, COLUMNS.map(c => h('th', {scope: 'col', 'aria-sort': state.sort === c[0] ? 'ascending'
    : state.sort === '-' + c[0] ? 'descending' : null}, sortButton(c))), ['Outcome', 'Tags'].map(t => h('th', {scope: 'col', text: t}))));
  const body = h('tbody', {}, list.map(d => h('tr', {},
    h('td', {}, h('a', {href: '#/devices/' + seg(d.mac), class: 'mono', text: d.mac})),
    h('td', {text: d.product}),
    h('td', {class: 'mono', text: d.runningVersion || 'unknown'}),
    h('td', {text: when(d.lastSeen)}),
    h('td', {}, h('span', {text: d.lastOutcome || ''}), d.lastReason ? h('div', {class: 'help notes', text: d.lastReason}) : null),
    h('td', {text: (d.tags || []).slice().sort().join(', ')}))));
  return [
    h('p', {id: 'device-count', text: (answer.total ?? list.length) + ' devices match' + (list.length ? '; showing ' + (page * 50 + 1) + '-'
      + (page * 50 + list.length) : '') + '.'}),
    h('div', {class: 'table-wrap'}, h('table', {id: 'device-table'}, h('caption', {class: 'sr-only', text: 'Devices'}), head, body)),
    h('div', {class: 'row'},
      h('button', {type: 'button', disabled: page === 0, onclick: () => load(page - 1)}, 'Previous page'),
      h('button', {type: 'button', disabled: !next, onclick: () => load(page + 1)}, 'Next page')),
  ];
}

async function device(root, ctx, mac) {
  root.append(h('p', {}, h('a', {href: '#/devices', text: '← All devices'})));
  let d;
  try {
    d = await api('/api/v1/devices/' + seg(mac));
  } catch (e) {
    root.append(h('h1', {class: 'mono', text: mac}), errorBox(e));
    return;
  }
  root.append(h('h1', {}, 'Device ', h('span', {class: 'mono', text: d.mac})));
  root.append(h('section', {class: 'panel', 'aria-labelledby': 'identity-h'},
    h('h2', {id: 'identity-h', text: 'Identity'}),
    h('dl', {class: 'facts'},
      fact('Product', d.product), fact('Chip ID', d.chipId), fact('Flash chip', d.chipSize == null ? null : bytes(d.chipSize)),
      fact('Free sketch space', d.freeSpace == null ? null : bytes(d.freeSpace)), fact('Sketch size', d.sketchSize == null ? null : bytes(d.sketchSize)),
      fact('SDK', d.sdkVersion), fact('Address', d.address), fact('First seen', when(d.firstSeen)), fact('Last seen', when(d.lastSeen)),
      fact('Check-ins', String(d.checkIns)), fact('Last outcome', d.lastOutcome), fact('Last reason', d.lastReason))));
  root.append(h('section', {class: 'panel', 'aria-labelledby': 'image-h'},
    h('h2', {id: 'image-h', text: 'Running image'}),
    h('dl', {class: 'facts'}, fact('Version', d.runningVersion || 'unknown'), fact('MD5', d.runningMd5, true), fact('SHA-256', d.runningSha256, true),
      fact('Pinned to', d.pinnedVersion || 'not pinned'))));
  if (ctx.can('operator')) root.append(await pinPanel(ctx, d), tagsPanel(ctx, d));
  else root.append(h('p', {}, 'Tags: ', h('span', {id: 'device-tags', text: (d.tags || []).slice().sort().join(', ') || 'none'})));
  root.append(h('section', {id: 'updates', 'aria-labelledby': 'updates-h'},
    h('h2', {id: 'updates-h', text: 'Update attempts'}),
    (d.updates || []).length === 0 ? h('p', {text: 'No updates yet.'})
      : table(null, ['Release', 'Rollout', 'State', 'Attempts', 'Last error', 'Offered', 'Downloaded', 'Installed', 'Finished'],
        d.updates.map(u => [h('span', {class: 'mono', text: u.release || ''}),
          u.rollout ? h('a', {href: '#/rollouts/' + u.rollout, text: '#' + u.rollout}) : '', u.state, String(u.attempts),
          h('span', {class: 'notes', text: u.lastError || ''}), when(u.offeredAt), when(u.downloadedAt), when(u.installedAt), when(u.finishedAt)]))));
  root.append(h('section', {'aria-labelledby': 'timeline-h'},
    h('h2', {id: 'timeline-h', text: 'Timeline of decisions'}),
    h('p', {class: 'help', text: 'Each check-in whose decision differed from the one before, newest first.'}),
    (d.timeline || []).length === 0 ? h('p', {text: 'No decisions recorded yet.'})
      : h('div', {id: 'timeline'}, table(null, ['When', 'Endpoint', 'Outcome', 'Status', 'Running', 'Target', 'Reason'],
        d.timeline.map(t => [when(t.at), t.endpoint, t.outcome, String(t.status), t.runningVersion || '', t.targetVersion || '',
          h('span', {class: 'notes', text: t.reason || ''})])))));
}

function fact(name, value, mono) {
  return [h('dt', {text: name}), h('dd', {class: mono ? 'mono' : null, text: value == null || value === '' ? '—' : value})];
}

async function pinPanel(ctx, d) {
  const releases = items(await api('/api/v1/products/' + seg(d.product) + '/releases?limit=1000'));
  const select = h('select', {id: 'pin-version'}, releases.map(r => h('option', {value: r.version, text: r.version,
    selected: r.version === d.pinnedVersion})));
  const act = async (method, body, done) => {
    try {
      await api('/api/v1/devices/' + seg(d.mac) + '/pin', {method, body});
      ctx.notify(done);
      ctx.refresh();
    } catch (e) {
      ctx.notify(e.message, 'error');
    }
  };
  return h('section', {class: 'panel', 'aria-labelledby': 'pin-h'},
    h('h2', {id: 'pin-h', text: 'Pin'}),
    h('p', {class: 'help', text: 'A pinned device is offered its pinned release only, whatever rollouts run.'}),
    h('div', {class: 'row'}, h('label', {for: 'pin-version', class: 'inline', text: 'Release'}), select,
      h('button', {type: 'button', class: 'primary', onclick: () => {
        if (window.confirm('Pin ' + d.mac + ' to ' + select.value + '?')) act('PUT', {version: select.value}, d.mac + ' pinned to ' + select.value + '.');
      }}, 'Pin'),
      d.pinnedVersion ? h('button', {type: 'button', onclick: () => {
        if (window.confirm('Unpin ' + d.mac + '?')) act('DELETE', undefined, d.mac + ' unpinned.');
      }}, 'Unpin') : null));
}

function tagsPanel(ctx, d) {
  const input = h('input', {id: 'tags-input', value: (d.tags || []).slice().sort().join(', '), autocomplete: 'off', 'aria-describedby': 'tags-help'});
  return h('form', {class: 'panel', 'aria-labelledby': 'tags-h', onsubmit: async e => {
    e.preventDefault();
    const tags = input.value.split(',').map(t => t.trim()).filter(t => t.length > 0);
    try {
      await api('/api/v1/devices/' + seg(d.mac) + '/tags', {method: 'PUT', body: {tags}});
      ctx.notify('Tags of ' + d.mac + ' saved.');
      ctx.refresh();
    } catch (err) {
      ctx.notify(err.message, 'error');
    }
  }},
  h('h2', {id: 'tags-h', text: 'Tags'}),
  h('p', {}, 'Now: ', h('span', {id: 'device-tags', text: (d.tags || []).slice().sort().join(', ') || 'none'})),
  h('label', {for: 'tags-input', text: 'Tags (comma-separated)'}), input,
  h('p', {id: 'tags-help', class: 'help', text: 'Rollout waves and target groups are tags, e.g. canary.'}),
  h('button', {type: 'submit', class: 'primary'}, 'Save tags'));
}
