package org.updraft.cli.config;

import java.util.function.Consumer;

/**
 * One key of the server's configuration, as the three places that can set it spell it: the
 * configuration file ({@code key = value}), the environment ({@code UPDRAFT_…}) and the command
 * line ({@code --…}). docs/configuration.md, "Every setting" lists them all.
 *
 * @param key         the file's name for it, e.g. {@code data-dir}; {@code limit.NAME} for a limit
 * @param env         its environment variable, e.g. {@code UPDRAFT_DATA_DIR}
 * @param flag        its command-line option, e.g. {@code --data-dir}, or null when it has none
 *                    (a secret: never on a command line, where {@code ps} shows it)
 * @param defaultText what applies when nothing sets it, as {@code config show} prints it
 * @param secret      masked by {@code config show}
 * @param check       throws IllegalArgumentException saying what was expected when a value is not acceptable
 */
public record Setting(String key, String env, String flag, String defaultText, boolean secret, Consumer<String> check) {

    /** The setting named {@code NAME} in {@code --limit NAME=VALUE}: key {@code limit.NAME}, env {@code UPDRAFT_LIMIT_NAME}. */
    static Setting limit(String name, String defaultText, Consumer<String> check) {
        return new Setting("limit." + name, "UPDRAFT_LIMIT_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                "--limit " + name + "=…", defaultText, false, check);
    }
}
