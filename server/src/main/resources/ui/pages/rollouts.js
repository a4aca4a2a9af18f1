// Placeholder: the Rollouts page is built on the ui-live branch. A page module's default export is
// render(root, ctx); see docs/dashboard.md ("How a page plugs in").
import {h} from '../lib/dom.js';

export default async function render(root, ctx) {
  root.append(h('h1', {text: 'Rollouts'}), h('p', {text: 'This page is not built yet.'}));
}
