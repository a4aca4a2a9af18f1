package org.updraft.integration.structure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The build's structure check (docs/architecture.md, "Modules and the structure check"): inside
 * every module the packages form a layering, no package cycle. It reads each module's
 * {@code target/classes} with jdeps; the reactor has built them all before this module, which
 * depends on cli, the top of the module map. A new cycle fails the build naming its packages and
 * the classes behind each edge.
 */
class NoPackageCycleTest {

    /**
     * The cycles tolerated until the change that breaks each lands, one entry per module, each
     * exactly this set of packages: a third package joining a cycle fails, and so does an entry
     * whose cycle is gone (delete the entry with the change that breaks the cycle).
     * Empty: no module has a package cycle.
     */
    private static final Map<String, Set<String>> CYCLES_NOT_YET_BROKEN = Map.of();

    /** The repository root; the build passes it (integration/pom.xml), the working directory is the fallback. */
    private static Path root() {
        String root = System.getProperty("updraft.root");
        return root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"test-support", "core", "device", "server", "cli"})
    void noPackageCycleInside(String module) {
        PackageGraph graph = Jdeps.packageGraph(root().resolve(module).resolve("target/classes"));
        assertThat(graph.packages()).as("packages of %s", module).isNotEmpty();

        Set<String> allowed = CYCLES_NOT_YET_BROKEN.getOrDefault(module, Set.of());
        List<PackageGraph.Cycle> cycles = graph.cycles();
        List<String> unexpected = cycles.stream().filter(c -> !c.packages().equals(allowed)).map(PackageGraph.Cycle::describe).toList();
        assertThat(unexpected).as("package cycles in %s (each package of a cycle uses another of it; break one edge)", module).isEmpty();
        if (!allowed.isEmpty()) {
            assertThat(cycles).as("the cycle %s is gone from %s: delete its entry in NoPackageCycleTest.CYCLES_NOT_YET_BROKEN",
                    new java.util.TreeSet<>(allowed), module).anyMatch(c -> c.packages().equals(allowed));
        }
    }
}
