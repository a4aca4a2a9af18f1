package org.updraft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Reads a paged list of the management API (docs/api.md, "Paging"): asks for the largest pages
 * the server gives, follows each page's {@code next} link until it is null, and stops early after
 * {@code max} items when the caller asked for that many. So a list command prints the whole fleet,
 * not its first page.
 */
final class Pages {

    /** The largest page the server gives (docs/api.md, "Paging"). */
    static final int MAX_PAGE = 1000;

    private Pages() {
    }

    /** Every item of the list at {@code path}, or its first {@code max} when {@code max} > 0. */
    static ArrayNode all(ApiClient api, String path, long max) {
        ArrayNode items = ApiClient.JSON.createArrayNode();
        walk(api, path, max, items::add);
        return items;
    }

    /**
     * Prints the items as one JSON array, one page at a time as it arrives (a long list is never
     * held whole); what {@code --json} printed before lists were paged, so scripts keep working.
     */
    static void printJson(ApiClient api, String path, long max, PrintWriter out) {
        out.print('[');
        boolean[] first = {true};
        walk(api, path, max, item -> {
            try {
                out.print(first[0] ? "" : ",");
                out.print(ApiClient.JSON.writeValueAsString(item));
                first[0] = false;
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
        out.println(']');
        out.flush();
    }

    /** Hands each item to {@code item}, in list order; returns how many. */
    static long walk(ApiClient api, String path, long max, Consumer<JsonNode> item) {
        int size = max > 0 && max < MAX_PAGE ? (int) max : MAX_PAGE;
        String next = path + (path.contains("?") ? "&" : "?") + "limit=" + size;
        long n = 0;
        while (next != null) {
            ApiClient.Reply reply = api.get(next);
            JsonNode page = reply.json();
            JsonNode items = page.path("items");
            if (!items.isArray()) {
                throw new CommandFailure(reply.request() + " answered without a list of items (is the server older than paged lists?)");
            }
            for (JsonNode i : items) {
                if (max > 0 && n == max) {
                    return n;
                }
                item.accept(i);
                n++;
            }
            if (max > 0 && n == max) {
                return n;
            }
            next = page.path("next").isTextual() ? page.path("next").asText() : null;
        }
        return n;
    }
}
