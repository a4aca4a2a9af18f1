package org.updraft.cli.crash;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.updraft.cli.crash.Ledger.Answer;
import org.updraft.cli.crash.Ledger.AuditKey;
import org.updraft.cli.crash.Ledger.Kind;
import org.updraft.server.artifact.Digests;

/**
 * Mixed load from several client threads until the server stops answering (it was killed) or the
 * cycle's bound is reached: products and their policies, tokens, release uploads, a rollout being
 * created, started, paused, resumed and aborted while the devices it targets check in, download,
 * install and report, and device tags and pins. Every write goes into the {@link Ledger} with its
 * answer. Each register is written by one thread only (see {@link World}).
 */
final class Load {

    /** At most this many operations per thread and cycle (a bound for a kill that never comes). */
    static final int MAX_OPS = 5_000;

    private final Api api;
    private final Ledger ledger;
    private final World world;
    private final int cycle;
    private final long seed;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    Load(Api api, Ledger ledger, World world, int cycle, long seed) {
        this.api = api;
        this.ledger = ledger;
        this.world = world;
        this.cycle = cycle;
        this.seed = seed;
    }

    /** The writes every cycle's load relies on, made once on the empty server: the fleet product with its base release and the upload products. */
    static void setUp(Api api, Ledger ledger, World world) throws IOException {
        List<String> names = new ArrayList<>(World.UPLOAD_PRODUCTS);
        names.add(World.FLEET);
        for (String name : names) {
            Api.Answer a = api.post("/api/v1/products", Map.of("name", name, "chip", "esp8266", "layout", "arduino-4m"));
            require(a, "create product " + name);
            ledger.write(Kind.PRODUCT, "product:" + name, Ledger.ABSENT, "unsigned-allowed open", Answer.ACKED,
                    new AuditKey("POST /api/v1/products", "name=" + name, a.status()));
        }
        Api.Answer a = api.upload(World.FLEET, World.BASE_VERSION, false, world.baseImage);
        require(a, "upload " + World.FLEET + " " + World.BASE_VERSION);
        ledger.write(Kind.RELEASE, "release:" + World.FLEET + "/" + World.BASE_VERSION, Ledger.ABSENT,
                Digests.sha256Hex(world.baseImage), Answer.ACKED,
                new AuditKey("POST /api/v1/products/{product}/releases", "product=" + World.FLEET + " version=" + World.BASE_VERSION, 201));
    }

    private static void require(Api.Answer a, String what) {
        if (!a.ok()) {
            throw new IllegalStateException(what + ": " + a.status() + " " + a.text());
        }
    }

    void start() {
        start("products", this::products);
        start("tokens", this::tokens);
        start("uploads", this::uploads);
        start("rollouts", this::rollouts);
        int half = world.devices.size() / 2;
        start("devices-1", rnd -> devices(rnd, world.devices.subList(0, half)));
        start("devices-2", rnd -> devices(rnd, world.devices.subList(half, world.devices.size())));
    }

    /** Stops the threads (after the kill they end at their next failed request) and waits for them. */
    void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            if (t.isAlive()) {
                throw new IllegalStateException("load thread " + t.getName() + " did not end 60 s after the kill");
            }
        }
    }

    private interface Body {
        void run(Random rnd) throws IOException, InterruptedException;
    }

    private void start(String name, Body body) {
        Random rnd = new Random(seed * 1_000_003L + cycle * 31L + name.hashCode());
        threads.add(Thread.ofPlatform().name("crash-" + name).daemon(true).start(() -> {
            try {
                body.run(rnd);
            } catch (IOException e) {
                // No answer: the server is gone. The write in flight is already in the ledger.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    /**
     * Sends one write and records it: ACKED on 2xx, REFUSED on another answer, NO_ANSWER (and
     * rethrows) when none came.
     */
    private Api.Answer write(Kind kind, String key, String initial, String value, AuditKey audit, Call call) throws IOException {
        Api.Answer a;
        try {
            a = call.send();
        } catch (IOException e) {
            ledger.write(kind, key, initial, value, Answer.NO_ANSWER, null);
            throw e;
        }
        ledger.write(kind, key, initial, value, a.ok() ? Answer.ACKED : Answer.REFUSED, a.ok() ? audit : null);
        return a;
    }

    private interface Call {
        Api.Answer send() throws IOException;
    }

    private void pause(Random rnd, int maxMillis) throws InterruptedException {
        Thread.sleep(1 + rnd.nextInt(maxMillis));
    }

    private void products(Random rnd) throws IOException, InterruptedException {
        for (int n = 0; n < MAX_OPS && !stopped; n++) {
            if (world.products.isEmpty() || rnd.nextInt(3) == 0) {
                String name = "p" + cycle + "-" + n;
                world.products.add(name);
                write(Kind.PRODUCT, "product:" + name, Ledger.ABSENT, "unsigned-allowed open",
                        new AuditKey("POST /api/v1/products", "name=" + name, 201),
                        () -> api.post("/api/v1/products", Map.of("name", name, "chip", "esp8266", "layout", "arduino-4m")));
            } else {
                String name = world.products.get(rnd.nextInt(world.products.size()));
                String signing = rnd.nextBoolean() ? "required" : "unsigned-allowed";
                String enrollment = List.of("open", "allowlist", "token").get(rnd.nextInt(3));
                write(Kind.POLICY, "product:" + name, Ledger.ABSENT, signing + " " + enrollment,
                        new AuditKey("PUT /api/v1/products/{product}/policy", "product=" + name + " signing=" + signing
                                + " enrollment=" + enrollment, 200),
                        () -> api.put("/api/v1/products/" + name + "/policy", Map.of("signing", signing, "enrollment", enrollment)));
            }
            pause(rnd, 40);
        }
    }

    private void tokens(Random rnd) throws IOException, InterruptedException {
        for (int n = 0; n < MAX_OPS && !stopped; n++) {
            if (world.tokens.isEmpty() || rnd.nextInt(3) != 0) {
                String name = "t" + cycle + "-" + n;
                String role = rnd.nextBoolean() ? "viewer" : "operator";
                Api.Answer a;
                try {
                    a = api.post("/api/v1/tokens", Map.of("name", name, "role", role));
                } catch (IOException e) {
                    ledger.write(Kind.TOKEN, "token:" + name, Ledger.ABSENT, "active " + role, Answer.NO_ANSWER, null);
                    throw e;
                }
                if (a.ok()) {
                    long id = a.json().path("id").asLong();
                    world.tokens.put(name, id);
                    ledger.write(Kind.TOKEN, "token:" + name, Ledger.ABSENT, "active " + role, Answer.ACKED,
                            new AuditKey("POST /api/v1/tokens", "name=" + name + " role=" + role + " id=" + id, 201));
                } else {
                    ledger.write(Kind.TOKEN, "token:" + name, Ledger.ABSENT, "active " + role, Answer.REFUSED, null);
                }
            } else {
                List<String> names = new ArrayList<>(world.tokens.keySet());
                String name = names.get(rnd.nextInt(names.size()));
                long id = world.tokens.remove(name);
                String state = ledger.acknowledged("token:" + name);
                if (state == null || !state.startsWith("active ")) {
                    continue; // lost in a crash (counted there) or revoked by an unanswered request that went through
                }
                String role = state.substring("active ".length());
                write(Kind.TOKEN, "token:" + name, Ledger.ABSENT, "revoked " + role,
                        new AuditKey("DELETE /api/v1/tokens/{id}", "id=" + id, 200), () -> api.delete("/api/v1/tokens/" + id));
            }
            pause(rnd, 40);
        }
    }

    private void uploads(Random rnd) throws IOException, InterruptedException {
        for (int n = 0; n < MAX_OPS && !stopped; n++) {
            String product = World.UPLOAD_PRODUCTS.get(n % World.UPLOAD_PRODUCTS.size());
            upload(product, (cycle + 1) + "." + n + ".0", false, rnd.nextLong());
            pause(rnd, 60);
        }
    }

    private Api.Answer upload(String product, String version, boolean hold, long imageSeed) throws IOException {
        byte[] image = World.image(version, imageSeed);
        return write(Kind.RELEASE, "release:" + product + "/" + version, Ledger.ABSENT, Digests.sha256Hex(image),
                new AuditKey("POST /api/v1/products/{product}/releases", "product=" + product + " version=" + version, 201),
                () -> api.upload(product, version, hold, image));
    }

    /**
     * One rollout after another on the fleet: a held release, then create, start, pause, resume and
     * abort with pauses between, while the device threads check in. A rollout left active by an
     * earlier cycle is aborted first (two active rollouts may not target the same devices).
     */
    private void rollouts(Random rnd) throws IOException, InterruptedException {
        for (long id : world.rollouts) {
            String state = ledger.acknowledged("rollout:" + id);
            if ("running".equals(state) || "paused".equals(state)) {
                transition(id, "abort", "aborted");
            }
        }
        for (int n = 0; n < MAX_OPS && !stopped; n++) {
            String version = (cycle + 1) + "." + n + ".0";
            if (!upload(World.FLEET, version, true, rnd.nextLong()).ok()) {
                pause(rnd, 200);
                continue;
            }
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("version", version);
            spec.put("waves", "50,100");
            spec.put("successThreshold", 0.5);
            spec.put("failureThreshold", 0.9);
            spec.put("soakSeconds", 0);
            spec.put("backoffSeconds", 1);
            Api.Answer a;
            try {
                a = api.post("/api/v1/products/" + World.FLEET + "/rollouts", spec);
            } catch (IOException e) {
                throw e; // no id: an unanswered creation cannot be looked for; either way is allowed
            }
            if (!a.ok()) {
                pause(rnd, 200);
                continue;
            }
            long id = a.json().path("id").asLong();
            world.rollouts.add(id);
            ledger.write(Kind.ROLLOUT, "rollout:" + id, Ledger.ABSENT, a.json().path("state").asText(), Answer.ACKED,
                    new AuditKey("POST /api/v1/products/{product}/rollouts", "product=" + World.FLEET + " rollout=" + id
                            + " version=" + version, 201));
            for (String[] step : new String[][] {{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"abort", "aborted"}}) {
                pause(rnd, 300);
                if (stopped) {
                    return;
                }
                transition(id, step[0], step[1]);
            }
        }
    }

    private void transition(long id, String action, String state) throws IOException {
        Api.Answer a = write(Kind.ROLLOUT, "rollout:" + id, Ledger.ABSENT, state,
                new AuditKey("POST /api/v1/rollouts/{id}/" + action, "id=" + id, 200),
                () -> api.post("/api/v1/rollouts/" + id + "/" + action, Map.of()));
        if (a.ok() && !a.json().path("state").asText().equals(state)) {
            throw new IllegalStateException("rollout " + id + " " + action + " answered state " + a.json().path("state"));
        }
    }

    /**
     * Devices of one slice: check in as ESP8266httpUpdate; on a 200 take the image (the device now
     * runs it: its flash survives the server's crash) and report "ok"; now and then change a known
     * device's tags or pin.
     */
    private void devices(Random rnd, List<World.Device> mine) throws IOException, InterruptedException {
        for (int n = 0; n < MAX_OPS && !stopped; n++) {
            World.Device d = mine.get(rnd.nextInt(mine.size()));
            int what = rnd.nextInt(10);
            if (d.known && what == 0) {
                TreeSet<String> tags = new TreeSet<>();
                for (String t : World.TAGS) {
                    if (rnd.nextBoolean()) {
                        tags.add(t);
                    }
                }
                write(Kind.TAGS, "tags:" + d.mac, "", String.join(",", tags),
                        new AuditKey("PUT /api/v1/devices/{mac}/tags", "mac=" + d.mac + " tags=" + new ArrayList<>(tags), 200),
                        () -> api.put("/api/v1/devices/" + d.mac + "/tags", Map.of("tags", new ArrayList<>(tags))));
            } else if (d.known && what == 1) {
                if (rnd.nextBoolean()) {
                    write(Kind.PIN, "pin:" + d.mac, "", World.BASE_VERSION,
                            new AuditKey("PUT /api/v1/devices/{mac}/pin", "mac=" + d.mac + " version=" + World.BASE_VERSION, 200),
                            () -> api.put("/api/v1/devices/" + d.mac + "/pin", Map.of("version", World.BASE_VERSION)));
                } else {
                    write(Kind.PIN, "pin:" + d.mac, "", "", new AuditKey("DELETE /api/v1/devices/{mac}/pin", "mac=" + d.mac, 200),
                            () -> api.delete("/api/v1/devices/" + d.mac + "/pin"));
                }
            } else {
                checkIn(d);
            }
            pause(rnd, 15);
        }
    }

    private void checkIn(World.Device d) throws IOException {
        Api.Answer a;
        try {
            a = api.checkIn(World.FLEET, d.mac, d.size, d.md5, d.version);
        } catch (IOException e) {
            ledger.checkIn(d.mac, Answer.NO_ANSWER, 0);
            // Perhaps cut off inside a download: some release of this device's may be downloading again.
            ledger.forgetAll("report:" + d.mac + "/");
            throw e;
        }
        ledger.checkIn(d.mac, a.status() < 400 ? Answer.ACKED : Answer.REFUSED, System.nanoTime());
        if (a.status() >= 400) {
            return;
        }
        d.known = true;
        if (a.status() == 200) {
            String md5 = Digests.md5Hex(a.body());
            if (!md5.equals(a.headers().get("x-md5"))) {
                throw new IllegalStateException("device " + d.mac + " got an image whose MD5 " + md5 + " is not its x-MD5 "
                        + a.headers().get("x-md5"));
            }
            String version = a.headers().get("x-updraft-version");
            d.run(a.body().length, md5, version);
            String key = "report:" + d.mac + "/" + version;
            // Offered again (a pin back to an older release): a new update of that release begins, whatever it was.
            ledger.forget(key);
            Api.Answer r;
            try {
                r = api.report(World.FLEET, d.mac, "ok", version);
            } catch (IOException e) {
                ledger.write(Kind.REPORT, key, null, "confirmed", Answer.NO_ANSWER, null);
                throw e;
            }
            JsonNode state = r.ok() ? r.json().path("state") : null;
            ledger.write(Kind.REPORT, key, null, state == null ? "confirmed" : state.asText(),
                    r.ok() ? Answer.ACKED : Answer.REFUSED, null);
        }
    }
}
