package org.updraft.cli.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration file: one {@code key = value} a line, {@code #} starts a comment line, blank
 * lines are ignored, spaces around the key and the value are dropped; a value may be quoted
 * ({@code "…"}) to keep its spaces or a {@code #}. A key not in {@link Settings#ALL}, a line
 * without {@code =} or a key given twice is an error naming the file and line.
 */
final class ConfigFile {

    private ConfigFile() {
    }

    /** The file's settings in file order, each with its source "FILE:LINE"; IllegalArgumentException names the line. */
    static Map<String, Settings.Value> read(Path file, Map<String, Setting> known) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("configuration file " + file + " does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException("configuration file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, Settings.Value> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String where = file + ":" + (i + 1);
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + ": expected 'key = value', got '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = unquote(line.substring(eq + 1).strip(), where);
            if (!known.containsKey(key)) {
                throw new IllegalArgumentException(where + ": unknown key '" + key + "'; expected one of " + String.join(", ", known.keySet()));
            }
            Settings.Value earlier = values.get(key);
            if (earlier != null) {
                throw new IllegalArgumentException(where + ": '" + key + "' is already set at " + earlier.source());
            }
            values.put(key, new Settings.Value(value, where));
        }
        return values;
    }

    private static String unquote(String v, String where) {
        if (v.startsWith("\"")) {
            if (v.length() < 2 || !v.endsWith("\"")) {
                throw new IllegalArgumentException(where + ": the value " + v + " opens a quote it does not close");
            }
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
