package org.updraft.integration.structure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.integration.structure.PackageGraph.ClassEdge;

/** The cycle finder on graphs whose cycles are known: jdeps output as text, and real classes compiled here. */
class PackageGraphTest {

    @TempDir
    Path dir;

    @Test
    void twoPackagesUsingEachOtherAreOneCycleNamedWithOneClassEdgeEachWay() {
        PackageGraph graph = PackageGraph.parseJdeps("""
                classes -> java.base
                classes -> not found
                   a.fleet.Policy                                     -> a.rollout.Engine                                   classes
                   a.fleet.Policy                                     -> a.rollout.Engine$Offer                             classes
                   a.fleet.Policy                                     -> java.lang.Object                                   java.base
                   a.fleet.Registry                                   -> a.store.Database                                   classes
                   a.rollout.Engine                                   -> a.fleet.Registry                                   classes
                   a.rollout.Engine                                   -> a.fleet.Device                                     classes
                   a.rollout.Engine                                   -> org.jdbi.v3.core.Jdbi                              not found
                   a.store.Database                                   -> java.lang.Object                                   java.base
                """);

        assertThat(graph.packages()).containsExactly("a.fleet", "a.rollout", "a.store");
        List<PackageGraph.Cycle> cycles = graph.cycles();
        assertThat(cycles).hasSize(1);
        assertThat(cycles.get(0).packages()).containsExactly("a.fleet", "a.rollout");
        assertThat(cycles.get(0).edges()).containsExactly(
                new ClassEdge("a.fleet.Policy", "a.rollout.Engine"),
                new ClassEdge("a.rollout.Engine", "a.fleet.Device"));
        assertThat(cycles.get(0).describe())
                .isEqualTo("a.fleet <-> a.rollout (a.fleet.Policy -> a.rollout.Engine; a.rollout.Engine -> a.fleet.Device)");
    }

    @Test
    void aLongerCycleIsOneComponentWithEveryPackageEdgeInsideIt() {
        PackageGraph graph = PackageGraph.of(List.of(
                new ClassEdge("m.a.A", "m.b.B"),
                new ClassEdge("m.b.B", "m.c.C"),
                new ClassEdge("m.c.C", "m.a.A"),
                new ClassEdge("m.c.C", "m.d.D"),
                new ClassEdge("m.d.D", "m.e.E"),
                new ClassEdge("m.e.E", "m.d.D2"),
                new ClassEdge("m.f.F", "m.a.A"),
                new ClassEdge("m.a.A", "m.a.A2")));

        List<PackageGraph.Cycle> cycles = graph.cycles();

        assertThat(cycles).extracting(PackageGraph.Cycle::describe).containsExactly(
                "m.a <-> m.b <-> m.c (m.a.A -> m.b.B; m.b.B -> m.c.C; m.c.C -> m.a.A)",
                "m.d <-> m.e (m.d.D -> m.e.E; m.e.E -> m.d.D2)");
    }

    @Test
    void aLayeringHasNoCycleAndEdgesLeavingTheModuleDoNotCount() {
        PackageGraph layered = PackageGraph.parseJdeps("""
                   u.cli.Main                                         -> u.server.Server                                    classes
                   u.server.Server                                    -> u.core.Image                                       classes
                   u.core.Image                                       -> u.other.Thing                                      not found
                   u.core.Image                                       -> java.lang.Object                                   java.base
                """);
        assertThat(layered.packages()).containsExactly("u.cli", "u.core", "u.server");
        assertThat(layered.cycles()).isEmpty();
    }

    @Test
    void theWitnessOfAPackageEdgeIsItsSmallestClassEdgeWhateverTheOrder() {
        PackageGraph graph = PackageGraph.of(List.of(
                new ClassEdge("p.x.Zed", "p.y.B"),
                new ClassEdge("p.x.Alpha", "p.y.C"),
                new ClassEdge("p.x.Alpha", "p.y.A"),
                new ClassEdge("p.y.B", "p.x.Zed")));

        assertThat(graph.cycles().get(0).edges())
                .containsExactly(new ClassEdge("p.x.Alpha", "p.y.A"), new ClassEdge("p.y.B", "p.x.Zed"));
    }

    @Test
    void jdepsOnCompiledClassesFindsTheCycleTheSourcesHave() throws Exception {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src.resolve("demo/fleet"));
        Files.createDirectories(src.resolve("demo/rollout"));
        Files.createDirectories(src.resolve("demo/store"));
        Files.createDirectories(classes);
        Path registry = Files.writeString(src.resolve("demo/fleet/Registry.java"),
                "package demo.fleet; public class Registry { public demo.rollout.Engine engine; public demo.store.Rows rows; }");
        Path engine = Files.writeString(src.resolve("demo/rollout/Engine.java"),
                "package demo.rollout; public class Engine { public demo.fleet.Registry registry; }");
        Path rows = Files.writeString(src.resolve("demo/store/Rows.java"), "package demo.store; public class Rows { }");
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", classes.toString(), registry.toString(), engine.toString(), rows.toString());
        assertThat(compiled).isZero();

        PackageGraph graph = Jdeps.packageGraph(classes);

        assertThat(graph.packages()).containsExactly("demo.fleet", "demo.rollout", "demo.store");
        assertThat(graph.cycles()).extracting(PackageGraph.Cycle::describe).containsExactly(
                "demo.fleet <-> demo.rollout (demo.fleet.Registry -> demo.rollout.Engine; demo.rollout.Engine -> demo.fleet.Registry)");
    }

    @Test
    void aMissingClassesDirectoryIsAClearError() {
        Path missing = dir.resolve("nothing/target/classes");
        assertThatThrownBy(() -> Jdeps.packageGraph(missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no compiled classes at " + missing
                        + ": build the reactor first (mvn verify from the repository root compiles every module before this one)");
    }
}
