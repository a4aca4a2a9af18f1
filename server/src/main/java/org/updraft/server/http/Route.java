package org.updraft.server.http;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.updraft.server.auth.Access;

/**
 * One registered route: a method, a path template whose {@code {name}} segments capture one
 * path segment each, and who may call it — a {@link org.updraft.server.auth.Role} (bearer token of
 * at least that role) or {@link Access.Open}. The OpenAPI and authorization tests walk these, so
 * every route is documented and states its access.
 */
public record Route(String method, String template, Access access, Handler handler) {

    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(access, () -> method + " " + template + " states no access: give a Role or an Access.Open");
        Objects.requireNonNull(handler, "handler");
    }

    /** Handles one matched request. Runs on a virtual thread; may block. */
    @FunctionalInterface
    public interface Handler {
        void handle(Exchange exchange) throws Exception;
    }

    /** The names of the template's {@code {name}} segments, in order. */
    List<String> paramNames() {
        return segments().stream().filter(t -> t.startsWith("{") && t.endsWith("}")).map(t -> t.substring(1, t.length() - 1)).toList();
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
