package org.updraft.integration.structure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every citation in the repository's sources resolves inside the repository (docs/architecture.md,
 * "How the build guards the structure"). Read: every module's main and test Java sources, every
 * pom.xml, bin/ and the modules' *.sh files ({@link SourceTree}). A line fails when it
 * <ul>
 *   <li>cites the design document by section ("DESIGN" followed by a section sign) or an issue
 *       number ("issue" or "Issue", a blank, digits): neither is in the repository;</li>
 *   <li>names a document outside the repository: a path through {@code ../shared}, a
 *       {@code reference/*.md} file or one of the outside notes by name;</li>
 *   <li>names a {@code docs/NAME.md} that does not exist, or a section of it ({@code docs/NAME.md,
 *       "Section"}, {@code ("Section")} or {@code #anchor}) that is not one of its headings;</li>
 *   <li>names a README section (README, then a capitalised name, quoted or not) that is not a
 *       heading of README.md.</li>
 * </ul>
 * A section matches a heading that starts with it, ignoring case, so {@code "Signed images"} names
 * "Signed images and the per-product signing policy". Upstream sources (esp8266/Arduino, ESP-IDF,
 * esp-link files, RFCs) are public references and stay. This file is not read: it spells out the
 * patterns it looks for.
 */
class CitationTest {

    /**
     * Files other engineers are changing while this check lands, which still hold old citations
     * (the proposed replacements are in the merge notes). Until merged: the lead fixes them after
     * merging and deletes each entry; the check fails for an entry whose file has become clean, so
     * the list cannot outlive its reason. Empty once every branch is merged.
     */
    private static final Set<String> IN_FLIGHT_UNTIL_MERGED = Set.of();

    private static final Path SELF = Path.of("integration/src/test/java/org/updraft/integration/structure/CitationTest.java");

    private static final Pattern DESIGN_SECTION = Pattern.compile("DESIGN\\s*§");
    private static final Pattern ISSUE_NUMBER = Pattern.compile("\\b[Ii]ssue #?\\d+");
    private static final Pattern OUTSIDE_DOCUMENT = Pattern.compile(
            "\\.\\./shared|\\breference/[\\w-]+\\.md|\\b(?:device-protocols|security-reliability|java-stack|hawkbit|peers)\\.md");
    private static final Pattern DOC = Pattern.compile("\\bdocs/([\\w-]+)\\.md(?:#([\\w-]+)|[,:]?\\s*\\(?\"([^\"]+)\")?");
    private static final Pattern README_SECTION = Pattern.compile("\\bREADME(?:'s)?,?\\s+\"?([A-Z][^\"\\n)]*)");

    @Test
    void everyCitationResolvesInsideTheRepository() {
        List<Finding> findings = new ArrayList<>();
        for (Path file : SourceTree.citingFiles()) {
            if (!file.equals(SELF)) {
                findings.addAll(check(file, SourceTree.lines(file)));
            }
        }
        List<String> unexpected = findings.stream()
                .filter(f -> !IN_FLIGHT_UNTIL_MERGED.contains(f.file().toString()))
                .map(Finding::describe).toList();
        assertThat(unexpected)
                .as("citations that do not resolve inside the repository: point them at docs/… (a section that exists),"
                        + " a class or a test, or state the rule in plain words")
                .isEmpty();

        Set<String> stillCiting = new TreeSet<>();
        findings.forEach(f -> stillCiting.add(f.file().toString()));
        Set<String> clean = new TreeSet<>(IN_FLIGHT_UNTIL_MERGED);
        clean.removeAll(stillCiting);
        assertThat(clean).as("files in CitationTest.IN_FLIGHT_UNTIL_MERGED that cite nothing outside the repository any more:"
                + " delete their entries").isEmpty();
    }

    @Test
    void eachKindOfOutsideCitationFailsNamingFileAndLine() {
        Path file = Path.of("core/src/main/java/Example.java");
        List<String> lines = List.of(
                " * as DESIGN §3 says",
                " * (issue 5 item 4)",
                " * see ../shared/notes.md and reference/device-protocols.md §1",
                " * docs/nowhere.md",
                " * docs/security.md, \"No such section\"",
                " * docs/security.md#no-such-anchor",
                " * README \"Limits\"",
                " * docs/security.md, \"Limits\"; docs/security.md#anti-rollback; README \"Quick start\"; esp-idf esp_ota_ops.c");
        List<String> found = check(file, lines).stream().map(Finding::describe).toList();
        assertThat(found).containsExactly(
                "core/src/main/java/Example.java:1: cites the design document by section, which is not in the repository — * as DESIGN §3 says",
                "core/src/main/java/Example.java:2: cites an issue number (\"issue 5\"), which is not in the repository — * (issue 5 item 4)",
                "core/src/main/java/Example.java:3: cites ../shared, a document outside the repository"
                        + " — * see ../shared/notes.md and reference/device-protocols.md §1",
                "core/src/main/java/Example.java:4: cites docs/nowhere.md, which does not exist — * docs/nowhere.md",
                "core/src/main/java/Example.java:5: cites the section \"No such section\" of docs/security.md, which has no heading"
                        + " starting with it — * docs/security.md, \"No such section\"",
                "core/src/main/java/Example.java:6: cites docs/security.md#no-such-anchor, which is not the anchor of any of its"
                        + " headings — * docs/security.md#no-such-anchor",
                "core/src/main/java/Example.java:7: cites the README section \"Limits\", which README.md does not have (the"
                        + " sections moved to docs/) — * README \"Limits\"");
    }

    @Test
    void anchorsAreTheHeadingsInLowerCaseWithoutPunctuation() {
        assertThat(anchorOf("Signed images and the per-product signing policy")).isEqualTo("signed-images-and-the-per-product-signing-policy");
        assertThat(anchorOf("Reports (`POST /u/{product}/report`)")).isEqualTo("reports-post-uproductreport");
    }

    /** What is wrong on each line of one file; empty when every citation resolves. */
    static List<Finding> check(Path file, List<String> lines) {
        List<Finding> findings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            if (DESIGN_SECTION.matcher(line).find()) {
                findings.add(new Finding(file, number, "cites the design document by section, which is not in the repository", line));
            }
            Matcher issue = ISSUE_NUMBER.matcher(line);
            if (issue.find()) {
                findings.add(new Finding(file, number, "cites an issue number (\"" + issue.group() + "\"), which is not in the repository", line));
            }
            Matcher outside = OUTSIDE_DOCUMENT.matcher(line);
            if (outside.find()) {
                findings.add(new Finding(file, number, "cites " + outside.group() + ", a document outside the repository", line));
            }
            Matcher doc = DOC.matcher(line);
            while (doc.find()) {
                String problem = docProblem(doc.group(1), doc.group(2), doc.group(3));
                if (problem != null) {
                    findings.add(new Finding(file, number, problem, line));
                }
            }
            Matcher readme = README_SECTION.matcher(line);
            while (readme.find()) {
                String section = readme.group(1).strip().replaceAll("[.,;:]+$", "");
                if (!hasHeading(SourceTree.root().resolve("README.md"), section)) {
                    findings.add(new Finding(file, number, "cites the README section \"" + section
                            + "\", which README.md does not have (the sections moved to docs/)", line));
                }
            }
        }
        return findings;
    }

    private static String docProblem(String name, String anchor, String section) {
        Path doc = SourceTree.root().resolve("docs").resolve(name + ".md");
        if (!Files.isRegularFile(doc)) {
            return "cites docs/" + name + ".md, which does not exist";
        }
        if (anchor != null && headings(doc).stream().map(CitationTest::anchorOf).noneMatch(anchor::equals)) {
            return "cites docs/" + name + ".md#" + anchor + ", which is not the anchor of any of its headings";
        }
        if (section != null && !hasHeading(doc, section)) {
            return "cites the section \"" + section + "\" of docs/" + name + ".md, which has no heading starting with it";
        }
        return null;
    }

    private static boolean hasHeading(Path markdown, String section) {
        String wanted = section.replace("…", "").strip().toLowerCase(Locale.ROOT);
        return !wanted.isEmpty() && headings(markdown).stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith(wanted));
    }

    /** The text of every {@code #} heading of a markdown file. */
    static List<String> headings(Path markdown) {
        List<String> headings = new ArrayList<>();
        boolean inCode = false;
        for (String line : SourceTree.lines(markdown)) {
            if (line.startsWith("```")) {
                inCode = !inCode;
            } else if (!inCode && line.startsWith("#")) {
                headings.add(line.replaceFirst("^#+\\s*", "").strip());
            }
        }
        return headings;
    }

    /** The anchor a heading gets on the repository's web view: lower case, punctuation dropped, blanks as hyphens. */
    static String anchorOf(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    record Finding(Path file, int line, String problem, String text) {
        String describe() {
            return file + ":" + line + ": " + problem + " — " + text.strip();
        }
    }
}
