// Releases of one product: the list with artifacts, hashes, held/baseline state and how many devices
// run each; upload (operator) with progress and the image inspection or the exact refusal;
// archive / unhold (operator) with confirmation.
import {h, table, when, bytes, errorBox} from '../lib/dom.js';
import {api, upload, seg} from '../lib/api.js';
import {productPicker} from '../lib/products.js';

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Releases'}));
  const {product, picker} = await productPicker(ctx, 'releases');
  if (!product) {
    root.append(h('p', {text: ctx.args[0] ? 'There is no product "' + ctx.args[0] + '".' : 'There are no products yet; an admin creates one under Products.'}));
    return;
  }
  root.append(picker);
  const list = h('section', {'aria-labelledby': 'releases-h'});
  const drawList = async () => {
    const answer = await api('/api/v1/products/' + seg(product.name) + '/releases?limit=1000');
    const releases = Array.isArray(answer) ? answer : answer.items; // a page {items, next, total} since lists are paged (docs/api.md, "Paging")
    list.replaceChildren(h('h2', {id: 'releases-h', text: 'Releases of ' + product.name}));
    if (releases.length === 0) {
      list.append(h('p', {text: 'No releases yet.'}));
      return;
    }
    list.append(table(null, ['Version', 'State', 'Devices', 'Uploaded', 'Images', 'Notes', ctx.can('operator') ? 'Actions' : null].filter(Boolean),
      releases.map(r => [
        h('strong', {class: 'mono', text: r.version}),
        state(r),
        String(r.devices),
        when(r.createdAt),
        r.artifacts.map(a => artifactFacts(a, product)),
        h('div', {class: 'notes', text: r.notes || ''}),
        ctx.can('operator') ? actions(ctx, product, r) : null,
      ].filter(c => c !== null))));
  };
  if (ctx.can('operator')) root.append(uploadPanel(ctx, product, drawList));
  root.append(list);
  await drawList();
}

function state(r) {
  return h('span', {},
    r.baseline ? h('span', {class: 'badge baseline', text: 'baseline'}) : null,
    r.held ? h('span', {class: 'badge held', text: 'held'}) : null,
    r.downgrade ? h('span', {class: 'badge', text: 'downgrade'}) : null,
    r.signer ? h('span', {class: 'badge', text: 'signed'}) : null);
}

function artifactFacts(a, product) {
  return h('dl', {class: 'facts'},
    h('dt', {text: 'Image'}), h('dd', {text: a.role + ': ' + a.format + ', ' + a.chip}),
    h('dt', {text: 'Size'}), h('dd', {text: bytes(a.size) + ' of a ' + bytes(product.slotSize) + ' slot (' + percent(a.size, product.slotSize) + ')'}),
    a.appVersion ? [h('dt', {text: 'App version'}), h('dd', {text: a.appVersion})] : null,
    h('dt', {text: 'SHA-256'}), h('dd', {class: 'mono', text: a.sha256}),
    h('dt', {text: 'MD5'}), h('dd', {class: 'mono', text: a.md5}),
    a.damaged ? [h('dt', {text: 'Damaged'}), h('dd', {class: 'error', text: a.damaged})] : null);
}

function percent(n, of) {
  return of ? (100 * n / of).toFixed(1) + ' %' : '?';
}

function actions(ctx, product, r) {
  const base = '/api/v1/products/' + seg(product.name) + '/releases/' + seg(r.version);
  const act = (label, path, question, cls) => h('button', {type: 'button', class: cls, onclick: async () => {
    if (!window.confirm(question)) return;
    try {
      await api(base + path, {method: 'POST'});
      ctx.notify(label + ': ' + product.name + ' ' + r.version + ' done.');
      ctx.refresh();
    } catch (e) {
      ctx.notify(label + ' ' + r.version + ' refused: ' + e.message, 'error');
    }
  }}, label + ' ', h('span', {class: 'sr-only', text: r.version}));
  return h('div', {class: 'row'},
    r.held ? act('Unhold', '/unhold', 'Let ' + r.version + ' go to devices without a rollout?', null) : null,
    act('Archive', '/archive', 'Archive ' + product.name + ' ' + r.version + '? Devices will no longer be offered it.', 'danger'));
}

function uploadPanel(ctx, product, uploaded) {
  const pair = product.kind === 'nonos';
  const roles = pair ? ['user1', 'user2'] : ['firmware'];
  const inputs = Object.fromEntries(roles.map(role => [role, h('input', {type: 'file', id: 'file-' + role, name: role, accept: '.bin,application/octet-stream'})]));
  const version = h('input', {id: 'up-version', name: 'version', required: true, autocomplete: 'off', placeholder: 'e.g. 1.4.0'});
  const notes = h('textarea', {id: 'up-notes', name: 'notes', rows: 2});
  const hold = h('input', {type: 'checkbox', id: 'up-hold', name: 'hold'});
  const downgrade = h('input', {type: 'checkbox', id: 'up-downgrade', name: 'downgrade'});
  const progress = h('progress', {id: 'up-progress', max: 100, value: 0, hidden: true, 'aria-label': 'Upload progress'});
  const result = h('div', {id: 'upload-result', 'aria-live': 'polite'});
  const zone = h('div', {class: 'dropzone', id: 'dropzone'},
    h('p', {text: pair ? 'Drop user1.bin and user2.bin here, or choose them below.' : 'Drop the firmware .bin here, or choose it below.'}));
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...e.dataTransfer.files];
    for (const f of files) {
      const role = pair ? (f.name.includes('user2') ? 'user2' : 'user1') : 'firmware';
      const dt = new DataTransfer();
      dt.items.add(f);
      inputs[role].files = dt.files;
    }
    zone.replaceChildren(h('p', {text: 'Chosen: ' + files.map(f => f.name).join(', ')}));
  });
  const button = h('button', {type: 'submit', class: 'primary'}, 'Upload');
  const form = h('form', {class: 'panel', id: 'upload-form', onsubmit: async e => {
    e.preventDefault();
    result.replaceChildren();
    const data = new FormData();
    data.append('version', version.value);
    if (notes.value) data.append('notes', notes.value);
    if (hold.checked) data.append('hold', 'true');
    if (downgrade.checked) data.append('downgrade', 'true');
    for (const role of roles) {
      const f = inputs[role].files[0];
      if (f) data.append(role, f, f.name);
    }
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    try {
      const release = await upload('/api/v1/products/' + seg(product.name) + '/releases', data,
        (sent, total) => { progress.value = Math.round(100 * sent / total); });
      progress.value = 100;
      result.append(inspection(release, product));
      ctx.notify('Uploaded ' + product.name + ' ' + release.version + '.');
      await uploaded();
    } catch (err) {
      result.append(h('h3', {text: 'Refused'}), errorBox(err));
    } finally {
      button.disabled = false;
    }
  }},
  h('h2', {text: 'Upload a release'}),
  zone,
  roles.map(role => [h('label', {for: 'file-' + role, text: pair ? role + '.bin' : 'Firmware image (.bin)'}), inputs[role]]),
  h('label', {for: 'up-version', text: 'Version'}), version,
  h('label', {for: 'up-notes', text: 'Release notes'}), notes,
  h('div', {class: 'row'}, hold, h('label', {for: 'up-hold', class: 'inline', text: 'Hold (only a rollout offers it)'})),
  h('div', {class: 'row'}, downgrade, h('label', {for: 'up-downgrade', class: 'inline', text: 'Downgrade (older than what devices run)'})),
  h('p', {}, button), progress, result);
  return form;
}

/** What the server found in the uploaded image(s): the upload answer. */
function inspection(r, product) {
  return h('section', {class: 'panel', id: 'inspection', 'aria-label': 'Image inspection'},
    h('h3', {text: 'Accepted: ' + r.product + ' ' + r.version}),
    h('dl', {class: 'facts'},
      h('dt', {text: 'Signature'}), h('dd', {text: r.signer ? 'signed by ' + r.signer : 'unsigned (policy: ' + product.signing + ')'}),
      h('dt', {text: 'Security counter'}), h('dd', {text: String(r.securityCounter)}),
      h('dt', {text: 'State'}), h('dd', {}, state(r), r.held || r.baseline || r.downgrade || r.signer ? null : 'stored')),
    r.artifacts.map(a => artifactFacts(a, product)));
}
