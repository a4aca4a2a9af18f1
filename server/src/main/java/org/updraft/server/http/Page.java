package org.updraft.server.http;

import java.util.List;

/**
 * One page of a list, the answer of every list route (docs/api.md, "Paging").
 *
 * @param items the page, in the list's order
 * @param next  the relative link of the following page, or null on the last one
 * @param total how many items matched the list's filters when the page was read
 */
record Page<T>(List<T> items, String next, long total) {

    /** The same page with each item turned into its view (the views of one page only are built). */
    <R> Page<R> map(java.util.function.Function<T, R> view) {
        return new Page<>(items.stream().map(view).toList(), next, total);
    }
}
