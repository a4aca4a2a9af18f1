// API tokens (admin): create (the secret is shown once, here), list, revoke with confirmation.
import {h, table, when, errorBox} from '../lib/dom.js';
import {api} from '../lib/api.js';

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Tokens'}));
  const issued = h('div', {id: 'issued', 'aria-live': 'polite'});
  const name = h('input', {id: 'token-name', name: 'name', required: true, autocomplete: 'off', pattern: '[A-Za-z0-9][A-Za-z0-9._@\\-]{0,63}'});
  const role = h('select', {id: 'token-role', name: 'role'}, ['viewer', 'operator', 'admin'].map(r => h('option', {value: r, text: r})));
  const list = h('section', {'aria-labelledby': 'tokens-h'});
  const form = h('form', {class: 'panel', id: 'token-form', onsubmit: async e => {
    e.preventDefault();
    issued.replaceChildren();
    try {
      const t = await api('/api/v1/tokens', {method: 'POST', body: {name: name.value, role: role.value}});
      issued.append(h('div', {class: 'info'},
        h('p', {text: 'Token "' + t.name + '" (' + t.role + ') created. Copy its secret now: it is shown only this once.'}),
        h('p', {class: 'secret', id: 'secret', text: t.token})));
      name.value = '';
      await draw();
    } catch (err) {
      issued.append(errorBox(err));
    }
  }},
  h('h2', {text: 'Create a token'}),
  h('label', {for: 'token-name', text: 'Name (names the actor in the audit log)'}), name,
  h('label', {for: 'token-role', text: 'Role'}), role,
  h('p', {}, h('button', {type: 'submit', class: 'primary'}, 'Create token')), issued);
  root.append(form, list);

  async function draw() {
    const answer = await api('/api/v1/tokens?limit=1000');
    const tokens = Array.isArray(answer) ? answer : answer.items; // a page {items, next, total} since lists are paged (docs/api.md, "Paging")
    list.replaceChildren(h('h2', {id: 'tokens-h', text: 'Tokens'}), table(null, ['#', 'Name', 'Role', 'Created', 'By', 'State', 'Action'],
      tokens.map(t => [String(t.id), t.name, t.role, when(t.createdAt), t.createdBy || '',
        t.revokedAt ? 'revoked ' + when(t.revokedAt) : 'active',
        t.revokedAt ? '' : h('button', {type: 'button', class: 'danger', onclick: async () => {
          if (!window.confirm('Revoke token "' + t.name + '"? Its sessions end at once.')) return;
          try {
            await api('/api/v1/tokens/' + t.id, {method: 'DELETE'});
            ctx.notify('Token "' + t.name + '" revoked.');
            await draw();
          } catch (err) {
            ctx.notify(err.message, 'error');
          }
        }}, 'Revoke ', h('span', {class: 'sr-only', text: t.name}))])));
  }
  await draw();
}
