// Products and their settings: the layout with its flash map (SVG from the layout's regions), the
// signing policy and trusted keys, enrollment, the allowlist and device tokens; creating a product.
// Policy, keys and new products: admin. Allowlist and device tokens: operator. Everyone reads.
import {h, svg, table, when, bytes, errorBox} from '../lib/dom.js';
import {api, seg} from '../lib/api.js';
import {productPicker} from '../lib/products.js';

const hex = n => '0x' + Number(n).toString(16).toUpperCase();

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Products'}));
  const [{product, picker}, layouts] = await Promise.all([productPicker(ctx, 'products'), api('/api/v1/layouts')]);
  if (picker) root.append(picker);
  if (ctx.can('admin')) root.append(createForm(ctx, layouts));
  if (!product) {
    if (ctx.args[0]) root.append(errorBox('There is no product "' + ctx.args[0] + '".'));
    else root.append(h('p', {text: 'There are no products yet.'}));
    return;
  }
  const base = '/api/v1/products/' + seg(product.name);
  const layout = layouts.find(l => l.id === product.layout);
  root.append(
    h('section', {'aria-labelledby': 'facts-h'}, h('h2', {id: 'facts-h', text: product.name}),
      h('dl', {class: 'facts'},
        h('dt', {text: 'Chip'}), h('dd', {text: product.chip}),
        h('dt', {text: 'Kind'}), h('dd', {text: product.kind}),
        h('dt', {text: 'Layout'}), h('dd', {text: product.layout + ' (' + bytes(product.flashSize) + ' flash)'}),
        h('dt', {text: 'Update slot'}), h('dd', {text: bytes(product.slotSize) + ' (' + product.slotSize + ' bytes)'}),
        h('dt', {text: 'Update path'}), h('dd', {class: 'mono', text: product.updatePath || '/u/' + product.name}),
        h('dt', {text: 'Health window'}), h('dd', {text: product.healthWindowSeconds + ' s'}),
        h('dt', {text: 'Created'}), h('dd', {text: when(product.createdAt)}))),
    layout ? flashMap(layout) : null,
    await policySection(ctx, product, base),
    await keysSection(ctx, base),
    await allowlistSection(ctx, product, base),
    deviceTokenSection(ctx, product));
}

/** The flash map: one bar, each region a rectangle in proportion, update slots highlighted; and the same as a table. */
function flashMap(layout) {
  const W = 1000, H = 70;
  const slots = new Set(layout.slotOffsets.map(Number));
  const rects = layout.regions.map((r, i) => {
    const x = W * r.offset / layout.flashSize, w = Math.max(2, W * r.size / layout.flashSize);
    const isSlot = slots.has(Number(r.offset));
    return svg('g', {},
      svg('title', {text: r.name + ': ' + hex(r.offset) + ', ' + bytes(r.size)}),
      svg('rect', {x, y: 10, width: w, height: 40, fill: isSlot ? '#0b57d0' : ['#5b6b82', '#7d8a9c'][i % 2], stroke: '#fff', 'stroke-width': 1}),
      w > 48 ? svg('text', {x: x + w / 2, y: 35, 'text-anchor': 'middle', fill: '#fff', 'font-size': 13, text: r.name}) : null);
  });
  return h('section', {'aria-labelledby': 'map-h'}, h('h2', {id: 'map-h', text: 'Flash map (' + layout.id + ')'}),
    svg('svg', {class: 'flash', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'map-title'},
      svg('title', {id: 'map-title', text: 'Flash map of ' + layout.id + ': ' + layout.regions.map(r => r.name).join(', ')}),
      svg('rect', {x: 0, y: 10, width: W, height: 40, fill: '#e3e7ed'}), rects,
      svg('text', {x: 0, y: 66, 'font-size': 12, fill: '#1b1f24', text: '0x0'}),
      svg('text', {x: W, y: 66, 'font-size': 12, fill: '#1b1f24', 'text-anchor': 'end', text: hex(layout.flashSize)})),
    h('p', {class: 'help', text: 'Blue: the update slots (' + bytes(layout.slotSize) + ' each).'}),
    table(null, ['Region', 'Offset', 'Size'], layout.regions.map(r => [r.name, h('span', {class: 'mono', text: hex(r.offset)}), bytes(r.size)])));
}

async function policySection(ctx, product, base) {
  const section = h('section', {'aria-labelledby': 'policy-h'}, h('h2', {id: 'policy-h', text: 'Signing and enrollment'}));
  if (!ctx.can('admin')) {
    section.append(h('dl', {class: 'facts'}, h('dt', {text: 'Signing'}), h('dd', {text: product.signing}),
      h('dt', {text: 'Enrollment'}), h('dd', {text: product.enrollment})));
    return section;
  }
  const sel = (id, value, options) => h('select', {id, name: id}, options.map(o => h('option', {value: o, selected: o === value, text: o})));
  const signing = sel('signing', product.signing, ['unsigned-allowed', 'required']);
  const enrollment = sel('enrollment', product.enrollment, ['open', 'allowlist', 'token']);
  const out = h('div', {'aria-live': 'polite'});
  section.append(h('form', {class: 'panel', onsubmit: async e => {
    e.preventDefault();
    out.replaceChildren();
    try {
      await api(base + '/policy', {method: 'PUT', body: {signing: signing.value, enrollment: enrollment.value}});
      ctx.notify('Policy of ' + product.name + ' saved.');
      ctx.refresh();
    } catch (err) {
      out.append(errorBox(err));
    }
  }},
  h('label', {for: 'signing', text: 'Signing policy'}), signing,
  h('label', {for: 'enrollment', text: 'Enrollment'}), enrollment,
  h('p', {}, h('button', {type: 'submit', class: 'primary'}, 'Save policy')), out));
  return section;
}

async function keysSection(ctx, base) {
  const keys = await api(base + '/keys');
  const section = h('section', {'aria-labelledby': 'keys-h'}, h('h2', {id: 'keys-h', text: 'Trusted keys'}),
    keys.length === 0 ? h('p', {text: 'No trusted keys.'})
      : table(null, ['Key', 'Algorithm', 'Use', 'Fingerprint', 'Added', ctx.can('admin') ? 'Action' : null].filter(Boolean),
        keys.map(k => [k.keyId, k.algorithm, k.use || '', h('span', {class: 'mono', text: k.fingerprint}), when(k.createdAt),
          ctx.can('admin') ? h('button', {type: 'button', class: 'danger', onclick: async () => {
            if (!window.confirm('Remove trusted key ' + k.keyId + '? Images signed only by it will be refused.')) return;
            try {
              await api(base + '/keys/' + seg(k.keyId), {method: 'DELETE'});
              ctx.refresh();
            } catch (err) {
              ctx.notify(err.message, 'error');
            }
          }}, 'Remove ', h('span', {class: 'sr-only', text: k.keyId})) : null].filter(c => c !== null))));
  if (ctx.can('admin')) {
    const pem = h('textarea', {id: 'key-pem', name: 'pem', rows: 4, placeholder: '-----BEGIN PUBLIC KEY-----'});
    const out = h('div', {'aria-live': 'polite'});
    section.append(h('form', {class: 'panel', onsubmit: async e => {
      e.preventDefault();
      out.replaceChildren();
      try {
        await api(base + '/keys', {method: 'POST', text: pem.value, contentType: 'application/x-pem-file'});
        ctx.refresh();
      } catch (err) {
        out.append(errorBox(err));
      }
    }}, h('label', {for: 'key-pem', text: 'Add a public key (PEM)'}), pem,
    h('p', {}, h('button', {type: 'submit'}, 'Add key')), out));
  }
  return section;
}

async function allowlistSection(ctx, product, base) {
  const {macs} = await api(base + '/allowlist');
  const section = h('section', {'aria-labelledby': 'allow-h'}, h('h2', {id: 'allow-h', text: 'Allowlist'}),
    h('p', {class: 'help', text: product.enrollment === 'allowlist' ? 'Only these devices may check in.'
      : 'Used when enrollment is "allowlist" (now: ' + product.enrollment + ').'}));
  if (!ctx.can('operator')) {
    section.append(macs.length ? h('ul', {}, macs.map(m => h('li', {class: 'mono', text: m}))) : h('p', {text: 'Empty.'}));
    return section;
  }
  const area = h('textarea', {id: 'allowlist', name: 'macs', rows: Math.min(10, macs.length + 2), value: macs.join('\n')});
  const out = h('div', {'aria-live': 'polite'});
  section.append(h('form', {class: 'panel', onsubmit: async e => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const saved = await api(base + '/allowlist', {method: 'PUT', body: {macs: area.value.split(/[\s,]+/).filter(m => m)}});
      out.append(h('p', {class: 'info', text: 'Saved: ' + saved.macs.length + ' devices.'}));
    } catch (err) {
      out.append(errorBox(err));
    }
  }}, h('label', {for: 'allowlist', text: 'MAC addresses, one per line'}), area,
  h('p', {}, h('button', {type: 'submit'}, 'Save allowlist')), out));
  return section;
}

function deviceTokenSection(ctx, product) {
  const mac = h('input', {id: 'token-mac', name: 'mac', autocomplete: 'off', placeholder: 'AA:BB:CC:DD:EE:FF'});
  const out = h('div', {id: 'device-token-out', 'aria-live': 'polite'});
  const run = fn => async () => {
    out.replaceChildren();
    try {
      await fn('/api/v1/devices/' + seg(mac.value.trim()) + '/token');
    } catch (err) {
      out.append(errorBox(err));
    }
  };
  const show = t => out.append(h('dl', {class: 'facts'}, h('dt', {text: 'Device'}), h('dd', {class: 'mono', text: t.mac}),
    h('dt', {text: 'Product'}), h('dd', {text: t.product}), h('dt', {text: 'Issued'}), h('dd', {text: when(t.createdAt)}),
    h('dt', {text: 'State'}), h('dd', {text: t.revokedAt ? 'revoked ' + when(t.revokedAt) : 'active'})));
  return h('section', {'aria-labelledby': 'devtok-h'}, h('h2', {id: 'devtok-h', text: 'Device tokens'}),
    h('p', {class: 'help', text: 'Used when enrollment is "token": each device sends its own token.'}),
    h('div', {class: 'panel'}, h('label', {for: 'token-mac', text: 'Device MAC'}), mac,
      h('p', {class: 'row'},
        h('button', {type: 'button', onclick: run(async path => show(await api(path)))}, 'Show token state'),
        ctx.can('operator') ? h('button', {type: 'button', onclick: run(async path => {
          const t = await api(path, {method: 'POST', body: {product: product.name}});
          out.append(h('p', {text: 'Token for ' + t.mac + ' issued. Copy it now; it is shown only once:'}), h('p', {class: 'secret', text: t.token}));
        })}, 'Issue token') : null,
        ctx.can('operator') ? h('button', {type: 'button', class: 'danger', onclick: run(async path => {
          if (!window.confirm('Revoke the token of ' + mac.value + '?')) return;
          show(await api(path, {method: 'DELETE'}));
        })}, 'Revoke token') : null),
      out));
}

function createForm(ctx, layouts) {
  const name = h('input', {id: 'new-product', name: 'name', required: true, autocomplete: 'off'});
  const layout = h('select', {id: 'new-layout', name: 'layout'}, layouts.map(l => h('option', {value: l.id, text: l.id + ' (' + l.chip + ')'})));
  const out = h('div', {'aria-live': 'polite'});
  return h('details', {class: 'panel'}, h('summary', {text: 'Create a product'}),
    h('form', {onsubmit: async e => {
      e.preventDefault();
      out.replaceChildren();
      try {
        const p = await api('/api/v1/products', {method: 'POST', body: {name: name.value, layout: layout.value}});
        ctx.navigate('#/products/' + encodeURIComponent(p.name));
      } catch (err) {
        out.append(errorBox(err));
      }
    }}, h('label', {for: 'new-product', text: 'Name'}), name, h('label', {for: 'new-layout', text: 'Layout'}), layout,
    h('p', {}, h('button', {type: 'submit', class: 'primary'}, 'Create product')), out));
}
