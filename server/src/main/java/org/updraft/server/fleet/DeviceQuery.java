package org.updraft.server.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which devices a page of the device list holds and in what order (docs/api.md, "The device
 * list"); every field null means "any". Built by {@link #parse} from the request's text, which
 * refuses what it cannot read with a message naming what is accepted.
 *
 * @param productId    devices whose record belongs to this product
 * @param version      devices whose last check-in ran this version; {@link #UNKNOWN} for none recognised
 * @param tag          devices with this tag
 * @param outcome      devices whose latest update state or last check-in outcome is this ({@link #OUTCOMES})
 * @param seenSince    devices seen at or after this instant
 * @param unseenSince  devices not seen since this instant (last seen before it)
 * @param text         devices whose MAC, address or a tag contains this, ignoring case
 * @param sort         the order, then MAC
 * @param descending   whether the order is reversed (the MAC too)
 */
public record DeviceQuery(Long productId, String version, String tag, String outcome, Instant seenSince, Instant unseenSince,
                          String text, Sort sort, boolean descending) {

    /** The version filter of devices whose running version the server did not recognise. */
    public static final String UNKNOWN = "unknown";
    /** Outcome filter: failed because silent after a complete download (the rollout's install deadline). */
    static final String SILENT = "silent";
    /** Outcome filter: the last check-in ran an image that is no release the server knows. */
    static final String UNKNOWN_IMAGE = "unknown-image";
    /** The update states (the device's latest update). */
    static final List<String> UPDATE_STATES = List.of("offered", "downloading", "downloaded", "installed", "confirmed", "failed",
            "rolled_back");
    /** Every value the outcome filter accepts: update states, silent, unknown-image, and the outcomes a device row records. */
    public static final List<String> OUTCOMES = Stream.of(UPDATE_STATES.stream(), Stream.of(SILENT, UNKNOWN_IMAGE),
            Stream.of(Outcome.values()).filter(Outcome::registers).map(Outcome::id)).flatMap(s -> s).toList();

    /** A sort key of the device list, with the SQL expression it orders by. */
    public enum Sort {
        MAC("mac", "d.mac"),
        PRODUCT("product", "p.name"),
        VERSION("version", "COALESCE(d.running_version, '')"),
        LAST_SEEN("lastSeen", "d.last_seen");

        private final String id;
        private final String column;

        Sort(String id, String column) {
            this.id = id;
            this.column = column;
        }

        public String id() {
            return id;
        }

        String column() {
            return column;
        }

        /** The key of this sort in {@code d}, as text (the cursor's form), before the MAC. */
        String key(Device d) {
            return switch (this) {
                case MAC -> d.mac();
                case PRODUCT -> d.product();
                case VERSION -> d.runningVersion() == null ? "" : d.runningVersion();
                case LAST_SEEN -> d.lastSeen().toString();
            };
        }
    }

    /** The sort key of a device in the cursor's form: the sort's key then the MAC (the MAC alone when sorted by MAC). */
    public List<String> key(Device d) {
        return sort == Sort.MAC ? List.of(d.mac()) : List.of(sort.key(d), d.mac());
    }

    /** "mac", "-lastSeen": the sort as the request names it. */
    public String sortName() {
        return (descending ? "-" : "") + sort.id();
    }

    /**
     * A query from the request's parameters (null: absent); {@code now} is what {@code seen} and
     * {@code unseen} count back from. Throws IllegalArgumentException naming what was wrong.
     */
    public static DeviceQuery parse(Long productId, String version, String tag, String outcome, String seen, String unseen,
                                    String text, String sort, Instant now) {
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("outcome '" + clip(outcome) + "' is not one of " + String.join(", ", OUTCOMES));
        }
        boolean descending = sort != null && sort.startsWith("-");
        String sortId = sort == null ? Sort.MAC.id() : descending ? sort.substring(1) : sort;
        Sort s = Stream.of(Sort.values()).filter(x -> x.id().equals(sortId)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("sort '" + clip(sort) + "' is not one of " + Stream.of(Sort.values()).map(Sort::id)
                        .collect(Collectors.joining(", ")) + " (a leading '-' reverses it: -lastSeen)"));
        return new DeviceQuery(productId, version, tag, outcome, seen == null ? null : now.minus(duration("seen", seen)),
                unseen == null ? null : now.minus(duration("unseen", unseen)), text, s, descending);
    }

    private static final Set<Character> UNITS = Set.of('m', 'h', 'd');

    /** "30m", "1h", "7d": a whole number of minutes, hours or days, at most ten years. */
    static Duration duration(String name, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        long n = -1;
        if (UNITS.contains(unit) && t.length() > 1 && t.length() <= 7 && t.substring(0, t.length() - 1).chars().allMatch(Character::isDigit)) {
            n = Long.parseLong(t.substring(0, t.length() - 1));
        }
        Duration d = n < 0 ? null : switch (unit) {
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d == null || d.compareTo(Duration.ofDays(3650)) > 0) {
            throw new IllegalArgumentException(name + " must be a whole number of minutes, hours or days up to ten years "
                    + "(30m, 1h, 7d), got '" + clip(text) + "'");
        }
        return d;
    }

    private static String clip(String s) {
        return org.updraft.server.problem.Rejection.echo(s);
    }
}
