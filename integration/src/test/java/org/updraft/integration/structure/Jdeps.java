package org.updraft.integration.structure;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.spi.ToolProvider;

/** The JDK's dependency analyser, run in-process on a directory of compiled classes. */
final class Jdeps {
    private Jdeps() {
    }

    /**
     * The package graph of the classes under {@code classes} (a module's {@code target/classes}),
     * from {@code jdeps -verbose:class}: class-level edges, so each package edge can name the
     * classes behind it. jdeps leaves out edges inside one package by default ({@code -filter:package}).
     */
    static PackageGraph packageGraph(Path classes) {
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException("no compiled classes at " + classes
                    + ": build the reactor first (mvn verify from the repository root compiles every module before this one)");
        }
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException(
                "this JVM (" + System.getProperty("java.home") + ") has no jdeps; the structure check needs a full JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out, true), new PrintWriter(err, true), "-verbose:class", classes.toString());
        if (exit != 0) {
            throw new IllegalStateException("jdeps -verbose:class " + classes + " exited " + exit + ": " + err + out);
        }
        return PackageGraph.parseJdeps(out.toString());
    }
}
