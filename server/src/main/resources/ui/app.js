// The dashboard shell: sign-in, the nav, hash routing (#/page/arg...), and the page lifecycle.
// How a page plugs in is described in docs/dashboard.md ("How a page plugs in").
import {h, errorBox} from './lib/dom.js';
import {api, onSignedOut} from './lib/api.js';

/** The nav, in order. role: the lowest role that may open the page (viewer < operator < admin). */
export const PAGES = [
  {id: 'overview', title: 'Overview', role: 'viewer'},
  {id: 'devices', title: 'Devices', role: 'viewer'},
  {id: 'releases', title: 'Releases', role: 'viewer'},
  {id: 'rollouts', title: 'Rollouts', role: 'viewer'},
  {id: 'products', title: 'Products', role: 'viewer'},
  {id: 'tokens', title: 'Tokens', role: 'admin'},
  {id: 'audit', title: 'Audit', role: 'admin'},
];

const RANK = {viewer: 0, operator: 1, admin: 2};
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const message = document.getElementById('message');
let session = null;
let leave = null;
let generation = 0;

/** True when the signed-in role includes `role`. */
function can(role) {
  return session !== null && RANK[session.role] >= RANK[role];
}

/** Shows a message above the page (info or error); empty text clears it. */
export function notify(text, kind = 'info') {
  message.replaceChildren(text ? h('p', {class: kind, text}) : '');
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(p => p.length > 0).map(decodeURIComponent);
  return {id: parts[0] || 'overview', args: parts.slice(1)};
}

function drawNav(current) {
  nav.replaceChildren(h('ul', {}, PAGES.filter(p => can(p.role)).map(p =>
    h('li', {}, h('a', {href: '#/' + p.id, 'aria-current': p.id === current ? 'page' : null, text: p.title})))));
  who.replaceChildren(
    h('span', {class: 'identity', text: session.name + ' (' + session.role + ')'}),
    h('button', {type: 'button', class: 'link', onclick: signOut}, 'Sign out'));
}

/** Draws the page of the current hash; keepMessage: leave the message above the page (a refresh after a change). */
async function route(keepMessage = false) {
  if (!session) return;
  const {id, args} = parseHash();
  const page = PAGES.find(p => p.id === id);
  const mine = ++generation;
  if (leave) {
    try { leave(); } catch (e) { /* a page's cleanup must not block the next page */ }
    leave = null;
  }
  if (!keepMessage) notify('');
  drawNav(id);
  main.replaceChildren();
  if (!page) {
    main.append(h('h1', {text: 'Not found'}), errorBox('There is no page "' + id + '".'));
    return;
  }
  document.title = page.title + ' - Updraft';
  if (!can(page.role)) {
    main.append(h('h1', {text: page.title}), errorBox('This page needs the ' + page.role + ' role; you are signed in as ' + session.role + '.'));
    return;
  }
  const ctx = {
    session, args, can, notify,
    navigate: hash => { location.hash = hash; },
    /** Re-renders the current page (after a change); a message just shown stays. */
    refresh: () => route(true),
    /** False once the user left this page: long-running work should stop. */
    current: () => mine === generation,
  };
  try {
    const module = await import('./pages/' + page.id + '.js');
    if (mine !== generation) return;
    const cleanup = await module.default(main, ctx);
    if (mine !== generation) {
      if (typeof cleanup === 'function') cleanup();
      return;
    }
    leave = typeof cleanup === 'function' ? cleanup : null;
    // Keyboard and screen-reader users continue in the new page's content, not where the old one was.
    if (!keepMessage && document.activeElement === document.body) main.focus({preventScroll: true});
  } catch (e) {
    if (mine === generation) main.append(errorBox(e));
  }
}

function signInForm(reason) {
  session = null;
  generation++;
  if (leave) { try { leave(); } catch (e) { /* ignore */ } leave = null; }
  nav.replaceChildren();
  who.replaceChildren();
  notify('');
  document.title = 'Sign in - Updraft';
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'token-help'});
  const error = h('div', {id: 'signin-error', 'aria-live': 'assertive'});
  const form = h('form', {class: 'signin', onsubmit: async e => {
    e.preventDefault();
    error.replaceChildren();
    try {
      session = await api('/api/session', {method: 'POST', body: {token: input.value}});
      input.value = '';
      route();
    } catch (err) {
      error.replaceChildren(errorBox(err));
      input.focus();
    }
  }},
  h('h1', {text: 'Sign in to Updraft'}),
  reason ? h('p', {class: 'info', text: reason}) : null,
  h('label', {for: 'token', text: 'API token'}), input,
  h('p', {id: 'token-help', class: 'help', text: 'An admin, operator or viewer token (upd_...). The first start of the server printed an admin token; '
    + 'an admin creates more under Tokens. The token is exchanged for a session cookie and not kept in the browser.'}),
  h('button', {type: 'submit', class: 'primary'}, 'Sign in'), error);
  main.replaceChildren(form);
  input.focus();
}

async function signOut() {
  try {
    await api('/api/session', {method: 'DELETE'});
    signInForm('You are signed out.');
  } catch (e) {
    notify(e.message, 'error');
  }
}

onSignedOut(err => { if (session) signInForm(err.message); });
window.addEventListener('hashchange', () => route());
// The skip link focuses the content without touching the hash (the hash is the page's address).
document.querySelector('a.skip').addEventListener('click', e => {
  e.preventDefault();
  main.focus();
});

(async () => {
  try {
    session = await api('/api/session');
    route();
  } catch (e) {
    signInForm(e.status === 401 ? null : e.message);
  }
})();
