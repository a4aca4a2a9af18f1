package org.updraft.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.updraft.server.auth.Access;

/**
 * The route table: exact methods, templated paths, first match wins in registration order.
 * A path that matches with another method answers 405 with {@code Allow}; none matching, 404.
 * Every route states its {@link Access}: there is no registration without one.
 */
final class Router {

    private final List<Route> routes = new ArrayList<>();

    public Router add(String method, String template, Access access, Route.Handler handler) {
        routes.add(new Route(method, template, access, handler));
        return this;
    }

    public Router get(String template, Access access, Route.Handler handler) {
        return add("GET", template, access, handler);
    }

    public Router post(String template, Access access, Route.Handler handler) {
        return add("POST", template, access, handler);
    }

    public Router put(String template, Access access, Route.Handler handler) {
        return add("PUT", template, access, handler);
    }

    public Router delete(String template, Access access, Route.Handler handler) {
        return add("DELETE", template, access, handler);
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** A match: the route and its captured parameters. */
    record Match(Route route, Map<String, String> params) {
    }

    /** The matching route, or null; {@code allowed} collects methods of routes matching the path with another method. */
    Match find(String method, String path, List<String> allowed) {
        List<String> segs = Route.split(path);
        for (Route r : routes) {
            Map<String, String> params = r.match(segs);
            if (params == null) {
                continue;
            }
            // HEAD is answered by every GET route (RFC 9110 §9.3.2); the handler omits the body.
            if (r.method().equals(method) || (method.equals("HEAD") && r.method().equals("GET"))) {
                return new Match(r, params);
            }
            // Allow names every method the path accepts (RFC 9110 §10.2.1), HEAD wherever GET is.
            for (String m : r.method().equals("GET") ? List.of("GET", "HEAD") : List.of(r.method())) {
                if (!allowed.contains(m)) {
                    allowed.add(m);
                }
            }
        }
        return null;
    }
}
