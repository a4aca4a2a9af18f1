// Rollouts: the list; create a draft (operator), see who each wave would get before it starts, then
// start it; one rollout's waves live (#/rollouts/<id>): progress bars, failure reasons and mean
// attempts pushed by the event stream (no reload); pause, resume, abort with confirmation; a halted
// rollout says why.
import {h, table, when, errorBox} from '../lib/dom.js';
import {api, seg} from '../lib/api.js';
import {subscribe, stackedBar, legend, items} from '../lib/live.js';

export default async function render(root, ctx) {
  const id = ctx.args[0];
  if (id) return detail(root, ctx, id);
  return list(root, ctx);
}

async function list(root, ctx) {
  root.append(h('h1', {text: 'Rollouts'}));
  const products = items(await api('/api/v1/products?limit=1000'));
  if (ctx.can('operator') && products.length > 0) root.append(createForm(ctx, products));
  const body = h('section', {'aria-labelledby': 'rollouts-h'});
  root.append(body);
  const draw = async () => {
    const rollouts = items(await api('/api/v1/rollouts?limit=1000')).slice().sort((a, b) => b.id - a.id);
    if (!ctx.current()) return;
    body.replaceChildren(h('h2', {id: 'rollouts-h', text: 'All rollouts'}),
      rollouts.length === 0 ? h('p', {text: 'No rollouts yet.'})
        : table(null, ['Rollout', 'Product', 'Release', 'State', 'Wave', 'Confirmed', 'Created'], rollouts.map(r => [
          h('a', {href: '#/rollouts/' + r.id, text: '#' + r.id}), r.product, h('span', {class: 'mono', text: r.version}), stateBadge(r),
          r.currentWaveLabel + ' (' + (r.currentWave + 1) + ' of ' + r.waves.length + ')', confirmedShare(r), when(r.createdAt)])));
  };
  await draw();
  return subscribe({rollout: () => { if (ctx.current()) draw(); }});
}

function confirmedShare(r) {
  const members = r.progress.reduce((a, w) => a + w.members, 0);
  const confirmed = r.progress.reduce((a, w) => a + w.confirmed, 0);
  return confirmed + ' of ' + members;
}

function stateBadge(r) {
  return h('span', {class: 'badge state-' + r.state, text: r.state});
}

function createForm(ctx, products) {
  const product = h('select', {id: 'ro-product', required: true}, products.map(p => h('option', {value: p.name, text: p.name})));
  const version = h('select', {id: 'ro-version', required: true});
  const loadVersions = async () => {
    const releases = items(await api('/api/v1/products/' + seg(product.value) + '/releases?limit=1000'));
    version.replaceChildren(...releases.map(r => h('option', {value: r.version, text: r.version + (r.held ? ' (held)' : '')})));
  };
  product.addEventListener('change', loadVersions);
  loadVersions().catch(e => ctx.notify(e.message, 'error'));
  const waves = h('input', {id: 'ro-waves', value: 'canary,10,50,100', autocomplete: 'off', 'aria-describedby': 'ro-waves-help'});
  const tags = h('input', {id: 'ro-tags', autocomplete: 'off', placeholder: 'all devices'});
  const soak = h('input', {id: 'ro-soak', type: 'number', min: 0, placeholder: 'default'});
  const failure = h('input', {id: 'ro-failure', type: 'number', min: 0, max: 1, step: 0.01, placeholder: 'default'});
  const field = (id, label, input) => h('div', {class: 'field'}, h('label', {for: id, text: label}), input);
  const result = h('div', {'aria-live': 'polite'});
  return h('form', {class: 'panel', id: 'create-rollout', onsubmit: async e => {
    e.preventDefault();
    result.replaceChildren();
    const spec = {version: version.value, waves: waves.value.trim()};
    const t = tags.value.split(',').map(x => x.trim()).filter(Boolean);
    if (t.length) spec.targetTags = t;
    if (soak.value !== '') spec.soakSeconds = Number(soak.value);
    if (failure.value !== '') spec.failureThreshold = Number(failure.value);
    try {
      const r = await api('/api/v1/products/' + seg(product.value) + '/rollouts', {method: 'POST', body: spec});
      ctx.notify('Draft rollout #' + r.id + ' created: check who it will reach, then start it.');
      ctx.navigate('#/rollouts/' + r.id);
    } catch (err) {
      result.replaceChildren(errorBox(err));
    }
  }},
  h('h2', {text: 'New rollout'}),
  h('div', {class: 'row'}, field('ro-product', 'Product', product), field('ro-version', 'Release', version),
    field('ro-waves', 'Waves', waves), field('ro-tags', 'Target tags', tags), field('ro-soak', 'Soak (seconds)', soak),
    field('ro-failure', 'Failure threshold (0-1)', failure)),
  h('p', {id: 'ro-waves-help', class: 'help', text: 'Waves in order: a tag group (canary), then cumulative percentages of the devices. '
    + 'The draft reaches no device until you start it.'}),
  h('button', {type: 'submit', class: 'primary'}, 'Create draft'), result);
}

async function detail(root, ctx, id) {
  root.append(h('p', {}, h('a', {href: '#/rollouts', text: '← All rollouts'})));
  let r;
  try {
    r = await api('/api/v1/rollouts/' + seg(id));
  } catch (e) {
    root.append(h('h1', {text: 'Rollout #' + id}), errorBox(e));
    return;
  }
  const head = h('div', {id: 'rollout-head'});
  const waves = h('section', {id: 'waves', 'aria-labelledby': 'waves-h', 'aria-live': 'polite'});
  const extra = h('div');
  root.append(head, waves, extra);
  const draw = value => {
    r = value;
    head.replaceChildren(...header(ctx, r));
    waves.replaceChildren(h('h2', {id: 'waves-h', text: 'Waves'}), legend(['confirmed', 'failed', 'rolledBack', 'inFlight', 'offered']),
      ...r.progress.map((w, i) => wave(r, w, (r.failureReasons || [])[i] || {})));
  };
  draw(r);
  if (r.state === 'draft') extra.append(await preview(ctx, r));
  return subscribe({
    rollout: value => { if (value.id === r.id && ctx.current()) draw(value); },
    open: async () => {
      try {
        const now = await api('/api/v1/rollouts/' + seg(id));
        if (ctx.current()) draw(now);
      } catch (e) { /* the next event redraws */ }
    },
  });
}

function header(ctx, r) {
  const out = [h('h1', {}, 'Rollout #' + r.id + ': ' + r.product + ' ', h('span', {class: 'mono', text: r.version}), ' ', stateBadge(r))];
  if (r.state === 'halted') {
    out.push(h('p', {class: 'error', role: 'alert', id: 'halt-reason'}, h('strong', {text: 'Halted: '}), r.reason || 'no reason recorded'));
  } else if (r.reason) {
    out.push(h('p', {class: 'info', id: 'state-reason', text: r.reason}));
  }
  out.push(h('dl', {class: 'facts'},
    h('dt', {text: 'Waves'}), h('dd', {text: r.waves.join(' → ') + '; now ' + r.currentWaveLabel}),
    h('dt', {text: 'Targets'}), h('dd', {text: r.targetTags.length ? r.targetTags.join(', ') : 'all devices'}),
    h('dt', {text: 'Thresholds'}), h('dd', {text: 'advance at ' + pct(r.policy.successThreshold) + ' confirmed after a soak of '
      + r.policy.soakSeconds + ' s; halt above ' + pct(r.policy.failureThreshold) + ' failed'}),
    h('dt', {text: 'Created'}), h('dd', {text: when(r.createdAt)}),
    r.finishedAt ? [h('dt', {text: 'Finished'}), h('dd', {text: when(r.finishedAt)})] : null));
  if (ctx.can('operator')) out.push(controls(ctx, r));
  return out;
}

function pct(x) {
  return Math.round(x * 1000) / 10 + ' %';
}

function wave(r, w, reasons) {
  const inFlight = w.downloading + w.downloaded + w.installed;
  const offered = r.currentWave >= w.index && r.state !== 'draft';
  const done = w.members ? Math.round(100 * w.confirmed / w.members) : 100;
  const label = w.label + ': ' + w.confirmed + ' of ' + w.members + ' confirmed, ' + w.failed + ' failed, ' + w.rolledBack + ' rolled back, '
    + inFlight + ' in flight';
  const reasonList = Object.entries(reasons).sort((a, b) => b[1] - a[1]).slice(0, 5);
  return h('div', {class: 'panel wave', 'data-wave': w.label},
    h('h3', {}, 'Wave ' + (w.index + 1) + ': ' + w.label, offered ? null : h('span', {class: 'help', text: ' (not started)'})),
    h('div', {role: 'progressbar', 'aria-label': 'Wave ' + w.label + ' confirmed', 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': done, 'aria-valuetext': label, class: 'wave-bar'},
    stackedBar(label, [{key: 'confirmed', value: w.confirmed}, {key: 'failed', value: w.failed}, {key: 'rolledBack', value: w.rolledBack},
      {key: 'inFlight', value: inFlight}, {key: 'offered', value: w.offered}], w.members)),
    h('p', {class: 'wave-numbers', text: done + ' % — ' + label + '; ' + w.pending + ' not offered yet; mean attempts '
      + w.meanAttempts.toFixed(2)}),
    reasonList.length ? h('div', {}, h('h4', {text: 'Failure reasons'}),
      h('ul', {class: 'reasons'}, reasonList.map(([why, n]) => h('li', {}, h('strong', {text: n + ' × '}), h('span', {class: 'notes', text: why})))))
      : null);
}

function controls(ctx, r) {
  const act = (label, path, question, cls, body) => h('button', {type: 'button', class: cls, onclick: async () => {
    if (!window.confirm(question)) return;
    try {
      await api('/api/v1/rollouts/' + r.id + path, {method: 'POST', body});
      ctx.notify(label + ' rollout #' + r.id + ': done.');
      ctx.refresh();
    } catch (e) {
      ctx.notify(label + ' refused: ' + e.message, 'error');
    }
  }}, label);
  const finished = ['completed', 'halted', 'aborted'].includes(r.state);
  return h('div', {class: 'row controls'},
    r.state === 'running' ? act('Pause', '/pause', 'Pause rollout #' + r.id + '? No new offers; transfers in flight finish.', null) : null,
    r.state === 'paused' ? act('Resume', '/resume', 'Resume rollout #' + r.id + '?', 'primary') : null,
    !finished && r.state !== 'draft' ? act('Abort', '/abort', 'Abort rollout #' + r.id + '? This cannot be undone; devices keep what they run.',
      'danger', {reason: 'aborted from the dashboard by ' + ctx.session.name}) : null);
}

/** Who a draft will reach, wave by wave, and the start (operator) after confirmation. */
async function preview(ctx, r) {
  const p = await api('/api/v1/rollouts/' + r.id + '/preview');
  const section = h('section', {class: 'panel', id: 'preview', 'aria-labelledby': 'preview-h'},
    h('h2', {id: 'preview-h', text: 'Who will get this'}),
    h('p', {text: p.devices + ' known devices of ' + r.product + ': ' + p.waves.map(w => w.label + ' ' + w.devices).join(', ')
      + '; ' + p.inNoWave.length + ' in no wave (pinned, outside the targets or versions).'}),
    table(null, ['Wave', 'Devices', 'Which'], p.waves.map(w => [w.label, String(w.devices),
      w.macs.length ? h('details', {}, h('summary', {text: 'show ' + w.macs.length}),
        h('ul', {class: 'macs'}, w.macs.map(m => h('li', {}, h('a', {href: '#/devices/' + seg(m), class: 'mono', text: m}))))) : 'none'])));
  if (ctx.can('operator')) {
    section.append(h('div', {class: 'row'},
      h('button', {type: 'button', class: 'primary', id: 'start-rollout', onclick: async () => {
        if (!window.confirm('Start rollout #' + r.id + ' of ' + r.product + ' ' + r.version + '? Wave ' + p.waves[0].label + ' ('
          + p.waves[0].devices + ' devices) is offered the release at once.')) return;
        try {
          await api('/api/v1/rollouts/' + r.id + '/start', {method: 'POST'});
          ctx.notify('Rollout #' + r.id + ' started.');
          ctx.refresh();
        } catch (e) {
          ctx.notify('Start refused: ' + e.message, 'error');
        }
      }}, 'Start rollout'),
      h('button', {type: 'button', class: 'danger', onclick: async () => {
        if (!window.confirm('Delete draft #' + r.id + '?')) return;
        try {
          await api('/api/v1/rollouts/' + r.id, {method: 'DELETE'});
          ctx.navigate('#/rollouts');
        } catch (e) {
          ctx.notify(e.message, 'error');
        }
      }}, 'Delete draft')));
  }
  return section;
}
