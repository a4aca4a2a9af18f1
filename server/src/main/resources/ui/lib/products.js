// The product picker shared by pages that work on one product (#/page/<product>).
import {h} from './dom.js';
import {api} from './api.js';

/**
 * Loads the products and draws a labelled <select>; returns {products, product, picker}. The
 * chosen product is ctx.args[0], or the first product; choosing another navigates to #/<page>/<name>.
 */
export async function productPicker(ctx, page) {
  const answer = await api('/api/v1/products?limit=1000');
  const products = Array.isArray(answer) ? answer : answer.items; // a page {items, next, total} (docs/api.md, "Paging")
  const name = ctx.args[0] || (products[0] && products[0].name);
  const product = products.find(p => p.name === name) || null;
  const select = h('select', {id: 'product-picker', onchange: e => ctx.navigate('#/' + page + '/' + encodeURIComponent(e.target.value))},
    products.map(p => h('option', {value: p.name, selected: p.name === name, text: p.name + ' (' + p.chip + ', ' + p.kind + ')'})));
  const picker = products.length === 0 ? null
    : h('div', {class: 'row'}, h('label', {for: 'product-picker', text: 'Product'}), select);
  return {products, product, picker};
}
