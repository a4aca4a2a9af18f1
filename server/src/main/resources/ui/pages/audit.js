// The audit log (admin): newest first, paged with limit/before, and the chain verification.
import {h, table, when, errorBox} from '../lib/dom.js';
import {api} from '../lib/api.js';

const PAGE = 50;

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Audit'}));
  const verify = h('div', {id: 'verify', 'aria-live': 'polite'});
  const check = async () => {
    verify.replaceChildren(h('p', {text: 'Verifying the chain...'}));
    try {
      const v = await api('/api/v1/audit/verify');
      verify.replaceChildren(v.ok
        ? h('p', {class: 'info', text: 'Chain intact: ' + v.entries + ' entries; head #' + v.headSeq + ' ' + v.headHash + ' (checked ' + when(v.checkedAt) + ')'})
        : h('p', {class: 'error', text: 'Chain BROKEN at entry #' + v.firstBadSeq + ': ' + v.problem + ' (' + v.entries + ' entries checked good)'}));
    } catch (err) {
      verify.replaceChildren(errorBox(err));
    }
  };
  root.append(h('section', {class: 'panel'}, h('h2', {text: 'Hash chain'}), verify,
    h('button', {type: 'button', onclick: check}, 'Verify again')));
  const list = h('section', {'aria-labelledby': 'audit-h'});
  root.append(list);
  // ctx.args[0]: show entries before this seq (older pages).
  const before = ctx.args[0] && /^\d+$/.test(ctx.args[0]) ? ctx.args[0] : null;
  const answer = await api('/api/v1/audit?limit=' + PAGE + (before ? '&before=' + before : ''));
  const entries = Array.isArray(answer) ? answer : answer.items; // a page {items, next, total} since lists are paged (docs/api.md, "Paging")
  list.append(h('h2', {id: 'audit-h', text: before ? 'Entries before #' + before : 'Newest entries'}),
    table(null, ['#', 'When', 'Actor', 'Role', 'Action', 'Target', 'From', 'Status'],
      entries.map(e => [String(e.seq), when(e.at), e.actor, e.role || '', h('span', {class: 'mono', text: e.action}),
        h('span', {class: 'mono', text: e.target || ''}), e.remote || '', String(e.status)])),
    h('nav', {class: 'row', 'aria-label': 'Audit pages'},
      before ? h('a', {href: '#/audit', text: 'Newest'}) : null,
      entries.length === PAGE ? h('a', {href: '#/audit/' + entries[entries.length - 1].seq, text: 'Older entries'}) : null));
  check();
}
