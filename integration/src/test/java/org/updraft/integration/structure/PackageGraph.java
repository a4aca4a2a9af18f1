package org.updraft.integration.structure;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dependencies between the packages of one module, each package edge witnessed by one class
 * edge, and the cycles among them.
 *
 * <p>Invariants: only edges between two different packages of the module itself are kept (a
 * dependency on the JDK, a library or another module cannot close a cycle inside this module);
 * the witness of a package edge is the smallest of its class edges, so the same classes give the
 * same report on every run.
 */
final class PackageGraph {

    /** One line of {@code jdeps -verbose:class}: {@code   origin.Class   ->   target.Class   archive-or-module}. */
    private static final Pattern CLASS_EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+\\S.*$");

    private static final Comparator<ClassEdge> ORDER = Comparator.comparing(ClassEdge::from).thenComparing(ClassEdge::to);

    /** A class of one package using a class of another. */
    record ClassEdge(String from, String to) {
        String fromPackage() {
            return packageOf(from);
        }

        String toPackage() {
            return packageOf(to);
        }

        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    /** Packages that reach each other (a strongly connected component of two or more), with one class edge per package edge. */
    record Cycle(SortedSet<String> packages, List<ClassEdge> edges) {
        /** E.g. {@code a.x <-> a.y (a.x.A -> a.y.B; a.y.C -> a.x.D)}. */
        String describe() {
            return String.join(" <-> ", packages) + " ("
                    + String.join("; ", edges.stream().map(ClassEdge::toString).toList()) + ")";
        }
    }

    /** package -> package it uses -> the witness class edge; sorted for a stable report. */
    private final SortedMap<String, SortedMap<String, ClassEdge>> edges = new TreeMap<>();

    private PackageGraph() {
    }

    /** The graph of these class edges, all of one module. */
    static PackageGraph of(List<ClassEdge> classEdges) {
        PackageGraph graph = new PackageGraph();
        for (ClassEdge e : classEdges) {
            graph.edges.computeIfAbsent(e.fromPackage(), p -> new TreeMap<>());
        }
        for (ClassEdge e : classEdges) {
            if (!e.fromPackage().equals(e.toPackage()) && graph.edges.containsKey(e.toPackage())) {
                graph.edges.get(e.fromPackage()).merge(e.toPackage(), e, (a, b) -> ORDER.compare(a, b) <= 0 ? a : b);
            }
        }
        return graph;
    }

    /**
     * The graph of what {@code jdeps -verbose:class} printed for one module's classes. The
     * module's packages are those of the classes it lists as origins (every class has at least
     * the edge to its superclass, so every class is listed); any other line is ignored.
     */
    static PackageGraph parseJdeps(String verboseClassOutput) {
        List<ClassEdge> found = new ArrayList<>();
        for (String line : verboseClassOutput.split("\\R")) {
            Matcher m = CLASS_EDGE.matcher(line);
            if (m.matches()) {
                found.add(new ClassEdge(m.group(1), m.group(2)));
            }
        }
        return of(found);
    }

    /** The module's packages, sorted. */
    SortedSet<String> packages() {
        return new TreeSet<>(edges.keySet());
    }

    /** Every cycle, by its smallest package; empty when the packages form a layering. */
    List<Cycle> cycles() {
        List<Cycle> cycles = new ArrayList<>();
        for (SortedSet<String> component : stronglyConnectedComponents()) {
            if (component.size() < 2) {
                continue;
            }
            List<ClassEdge> inside = new ArrayList<>();
            for (String from : component) {
                edges.get(from).forEach((to, witness) -> {
                    if (component.contains(to)) {
                        inside.add(witness);
                    }
                });
            }
            cycles.add(new Cycle(component, List.copyOf(inside)));
        }
        cycles.sort(Comparator.comparing(c -> c.packages().first()));
        return List.copyOf(cycles);
    }

    /**
     * Tarjan's algorithm, iterative (a deep package chain cannot overflow the stack): a depth-first
     * walk numbers each package; {@code low} is the smallest number reachable through the packages
     * still on the stack; a package whose {@code low} is its own number roots a component, which
     * is everything above it on the stack.
     */
    private List<SortedSet<String>> stronglyConnectedComponents() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<SortedSet<String>> components = new ArrayList<>();
        for (String root : edges.keySet()) {
            if (index.containsKey(root)) {
                continue;
            }
            // Each frame: a package and the iterator over the packages it uses.
            Deque<Map.Entry<String, Iterator<String>>> walk = new ArrayDeque<>();
            enter(root, index, low, stack, walk);
            while (!walk.isEmpty()) {
                var frame = walk.peek();
                String at = frame.getKey();
                if (frame.getValue().hasNext()) {
                    String next = frame.getValue().next();
                    if (!index.containsKey(next)) {
                        enter(next, index, low, stack, walk);
                    } else if (stack.contains(next)) {
                        low.put(at, Math.min(low.get(at), index.get(next)));
                    }
                    continue;
                }
                walk.pop();
                if (!walk.isEmpty()) {
                    String parent = walk.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(at)));
                }
                if (low.get(at).equals(index.get(at))) {
                    SortedSet<String> component = new TreeSet<>();
                    String member;
                    do {
                        member = stack.pop();
                        component.add(member);
                    } while (!member.equals(at));
                    components.add(component);
                }
            }
        }
        return components;
    }

    private void enter(String p, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Deque<Map.Entry<String, Iterator<String>>> walk) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        walk.push(Map.entry(p, edges.get(p).keySet().iterator()));
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }
}
