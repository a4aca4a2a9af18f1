package org.updraft.server.http;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.eclipse.jetty.util.Fields;
import org.updraft.server.problem.Rejection;

/**
 * The paging parameters of one list request, and the page built from what the list read
 * (docs/api.md, "Paging"): {@code limit} (1 to {@link #MAX_LIMIT}, {@link #DEFAULT_LIMIT} when
 * absent), an opaque {@code cursor}, and the list's own filters; any other parameter is refused.
 *
 * <p>A cursor is the base64url form of a JSON array of strings: the list's name with its sort
 * (so a cursor of another list or sort is refused, never misread), then the sort key of the last
 * item of the page it came from. Keyset, not offset: the next page starts strictly after that
 * key, so items inserted or deleted meanwhile neither shift nor repeat the rest.
 */
final class PageRequest {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    private static final int MAX_CURSOR = 1024;

    /** The order of lists keyed by a whole number (ids), ascending; a key that is none is refused. */
    static final Comparator<String> BY_NUMBER = (a, b) -> Long.compare(number(a), number(b));

    private final String path;
    private final String list;
    private final Map<String, String> params;
    private final int limit;
    private final List<String> after;

    private PageRequest(String path, String list, Map<String, String> params, int limit, List<String> after) {
        this.path = path;
        this.list = list;
        this.params = params;
        this.limit = limit;
        this.after = after;
    }

    /**
     * Reads the request's query: {@code list} names the list and its order (it is part of every
     * cursor), {@code filters} the parameters the list accepts besides limit and cursor.
     */
    static PageRequest parse(Exchange ex, String list, String... filters) {
        Set<String> accepted = new TreeSet<>(List.of(filters));
        Fields query = ex.queryFields();
        Map<String, String> params = new LinkedHashMap<>();
        for (Fields.Field f : query) {
            String name = f.getName();
            if (!name.equals("limit") && !name.equals("cursor") && !accepted.contains(name)) {
                Set<String> all = new TreeSet<>(accepted);
                all.add("limit");
                all.add("cursor");
                throw Rejection.badRequest("unknown parameter '" + Rejection.echo(name) + "'; this list accepts " + String.join(", ", all));
            }
            if (f.getValues().size() > 1) {
                throw Rejection.badRequest("parameter '" + name + "' given " + f.getValues().size() + " times; give it once");
            }
            if (!name.equals("cursor")) {
                params.put(name, f.getValue());
            }
        }
        int limit = limit(params.get("limit"));
        List<String> after = cursor(query.getValue("cursor"), list);
        return new PageRequest(ex.request().getHttpURI().getPath(), list, params, limit, after);
    }

    /** The page size asked for. */
    int limit() {
        return limit;
    }

    /** A filter's value, or null when absent or blank. */
    String filter(String name) {
        String v = params.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** The sort key of the last item of the previous page (the cursor's), or null on the first page. */
    List<String> after() {
        return after;
    }

    /**
     * The page of {@code read}: at most {@link #limit()} + 1 items in list order, starting after
     * the cursor — one more than the page, which says there is a next page.
     */
    <T> Page<T> page(List<T> read, Function<T, List<String>> key, long total) {
        if (read.size() <= limit) {
            return new Page<>(List.copyOf(read), null, total);
        }
        List<T> items = List.copyOf(read.subList(0, limit));
        return new Page<>(items, next(key.apply(items.get(limit - 1))), total);
    }

    /**
     * A page of a list held whole ({@code all}, in list order by {@code order} over the one-string
     * key {@code key}): the items after the cursor's key. {@code order} may throw
     * IllegalArgumentException for a key it cannot read (a forged cursor): a 400.
     */
    <T> Page<T> slice(List<T> all, Function<T, String> key, Comparator<String> order) {
        List<T> read = new ArrayList<>(Math.min(all.size(), limit + 1));
        String from = after == null ? null : one(after);
        for (T item : all) {
            if (read.size() > limit) {
                break;
            }
            if (from == null || after(order, key.apply(item), from)) {
                read.add(item);
            }
        }
        return page(read, item -> List.of(key.apply(item)), all.size());
    }

    private static boolean after(Comparator<String> order, String key, String from) {
        try {
            return order.compare(key, from) > 0;
        } catch (IllegalArgumentException e) {
            throw badCursor();
        }
    }

    /** The cursor's one key (lists ordered by one unique key). */
    static String one(List<String> after) {
        if (after.size() != 1) {
            throw badCursor();
        }
        return after.get(0);
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + s, e);
        }
    }

    private String next(List<String> key) {
        List<String> parts = new ArrayList<>(key.size() + 1);
        parts.add(list);
        parts.addAll(key);
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(Json.write(parts));
        StringBuilder b = new StringBuilder(path).append('?');
        params.forEach((name, value) -> b.append(encode(name)).append('=').append(encode(value)).append('&'));
        if (!params.containsKey("limit")) {
            b.append("limit=").append(limit).append('&');
        }
        return b.append("cursor=").append(cursor).toString();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        long n;
        try {
            n = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw Rejection.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT + " (items per page), got '"
                    + Rejection.echo(text) + "'");
        }
        if (n > MAX_LIMIT) {
            throw Rejection.badRequest("limit " + n + " is over the maximum of " + MAX_LIMIT
                    + " items per page; follow each page's next link to read the rest");
        }
        if (n < 1) {
            throw Rejection.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT + " (items per page), got " + n);
        }
        return (int) n;
    }

    private static List<String> cursor(String text, String list) {
        if (text == null) {
            return null;
        }
        if (text.isEmpty() || text.length() > MAX_CURSOR) {
            throw badCursor();
        }
        List<String> parts;
        try {
            String json = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            parts = Json.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw badCursor();
        }
        if (parts == null || parts.size() < 2 || !list.equals(parts.get(0)) || parts.stream().anyMatch(p -> p == null)) {
            throw badCursor();
        }
        return List.copyOf(parts.subList(1, parts.size()));
    }

    static Rejection badCursor() {
        return Rejection.badRequest("cursor is not one this list gave out (for this list and sort): pass the next link of the "
                + "previous page as it is, or leave cursor out to start at the first page");
    }
}
