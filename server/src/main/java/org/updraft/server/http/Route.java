package org.updraft.server.http;

import java.util.List;
import java.util.Map;

/**
 * One registered route: a method and a path template whose {@code {name}} segments capture one
 * path segment each. The OpenAPI test walks these, so every route is documented.
 */
public record Route(String method, String template, Handler handler) {

    /** Handles one matched request. Runs on a virtual thread; may block. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    List<String> segments() {
        return split(template);
    }

    /** The captured parameters when {@code path} matches this template, else null. */
    Map<String, String> match(List<String> pathSegments) {
        List<String> t = segments();
        if (t.size() != pathSegments.size()) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < t.size(); i++) {
            String ts = t.get(i);
            String ps = pathSegments.get(i);
            if (ts.startsWith("{") && ts.endsWith("}")) {
                if (ps.isEmpty()) {
                    return null;
                }
                if (params == null) {
                    params = new java.util.HashMap<>(4);
                }
                params.put(ts.substring(1, ts.length() - 1), ps);
            } else if (!ts.equals(ps)) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    static List<String> split(String path) {
        if (path.equals("/")) {
            return List.of();
        }
        String p = path.startsWith("/") ? path.substring(1) : path;
        return List.of(p.split("/", -1));
    }
}
