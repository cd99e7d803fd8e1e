package io.grafanaha.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.testkit.git.RemoteRepo;
import io.grafanaha.testkit.grafana.DashboardVersion;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.grafana.StoredDashboard;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two users keep saving the same and different dashboards on two instances at once, as Grafana's UI does (read,
 * then save with the version read; a 412 means re-read and save again). Once the system settles, no save that
 * Grafana accepted is lost, every instance shows what Git holds, no edit is committed twice, and nothing keeps
 * committing. Runs {@code concurrentEdits.seconds} of editing (default 15; the issue's goal is 60:
 * {@code -DconcurrentEdits.seconds=60}).
 */
class ConcurrentEditsTest {
    private static final Duration EDITING = Duration.ofSeconds(Long.getLong("concurrentEdits.seconds", 15));
    /** A user's pace: one read-and-save (or one retry after a 412) every this often. */
    private static final Duration PACE = Duration.ofMillis(100);
    private static final Duration SETTLE = Duration.ofSeconds(30).plus(EDITING);
    private static final List<String> UIDS = List.of("shared", "alice", "bob");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Rig rig;
    private RemoteRepo repo;
    private GrafanaEmulator a;
    private GrafanaEmulator b;
    private final List<Gateway> gateways = new ArrayList<>();

    @BeforeEach
    void start() {
        Map<String, String> files = new HashMap<>();
        for (String uid : UIDS) {
            files.put(uid + ".json", """
                    {
                      "uid": "%s",
                      "title": "%s",
                      "tags": [],
                      "schemaVersion": 39,
                      "panels": []
                    }
                    """.formatted(uid, uid));
        }
        rig = EditingRig.start(dir, files, "2s", "1s");
        repo = rig.repo();
        a = rig.a();
        b = rig.b();
    }

    @AfterEach
    void stop() {
        gateways.forEach(Gateway::close);
        rig.close();
    }

    @Test
    void twoUsersOnTwoInstancesBehindOneGatewayLoseNoEditAndEndIdentical() throws Exception {
        Gateway gateway = gateway("data");
        awaitSynced();

        List<Save> saves = edit(new User("alice", gateway, "grafana-a", List.of("shared", "alice")),
                new User("bob", gateway, "grafana-b", List.of("shared", "bob")));

        verify(saves);
    }

    @Test
    void twoUsersThroughTwoGatewaysOnOneRepositoryLoseNoEditAndCommitEachOnce() throws Exception {
        Gateway first = gateway("data-1");
        Gateway second = gateway("data-2");
        awaitSynced();

        List<Save> saves = edit(new User("alice", first, "grafana-a", List.of("shared", "alice")),
                new User("bob", second, "grafana-b", List.of("shared", "bob")));

        verify(saves);
    }

    // ---- the users ---------------------------------------------------------------------------------------------

    /** A browser session: one gateway, pinned to one backend by the affinity cookie, editing some dashboards. */
    private record User(String name, Gateway gateway, String backend, List<String> uids) {}

    /** A save Grafana answered 200: {@code base} is the title the user had read (what the save replaced). */
    private record Save(String user, String backend, String uid, String title, String base) {}

    /** Every user edits at {@link #PACE} for {@link #EDITING}; returns the saves that got 200, in order. */
    private List<Save> edit(User... users) throws InterruptedException {
        List<Save> saves = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        ScheduledExecutorService browsers = Executors.newScheduledThreadPool(users.length);
        try {
            for (User user : users) {
                HttpClient http = HttpClient.newHttpClient();
                int[] next = {0};
                browsers.scheduleWithFixedDelay(() -> {
                    String uid = user.uids().get(next[0] % user.uids().size());
                    try {
                        int status = readAndSave(http, user, uid, "by " + user.name() + " #" + next[0], saves);
                        if (status == 200) {
                            next[0]++; // a 412 retries the same dashboard, re-read, at the next tick
                        } else if (status == 412) {
                            refused.computeIfAbsent(user.name() + "/" + uid, n -> new AtomicInteger()).incrementAndGet();
                        } else {
                            unexpected.add(user.name() + " " + uid + ": " + status);
                        }
                    } catch (IOException | RuntimeException e) {
                        unexpected.add(user.name() + " " + uid + ": " + e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            browsers.awaitTermination(EDITING.toMillis(), TimeUnit.MILLISECONDS); // the editing session
        } finally {
            browsers.shutdownNow();
            browsers.awaitTermination(30, TimeUnit.SECONDS);
        }
        System.out.printf("%d saves accepted (%s), 412s re-read and retried: %s%n", saves.size(),
                saves.stream().collect(Collectors.groupingBy(s -> s.user() + "/" + s.uid(), Collectors.counting())),
                refused);
        assertThat(unexpected).as("every save is answered 200 or 412").isEmpty();
        for (User user : users) {
            assertThat(saves).as(user.name() + " saved shared and own dashboards")
                    .anyMatch(s -> s.user().equals(user.name()) && s.uid().equals("shared"))
                    .anyMatch(s -> s.user().equals(user.name()) && !s.uid().equals("shared"));
        }
        return saves;
    }

    /** What Grafana's UI does: GET, then save the new title with the version read and overwrite off. */
    private int readAndSave(HttpClient http, User user, String uid, String change, List<Save> saves)
            throws IOException, InterruptedException {
        HttpResponse<String> read = http.send(request(user, "/api/dashboards/uid/" + uid).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (read.statusCode() != 200) {
            return read.statusCode();
        }
        JsonNode current = JSON.readTree(read.body());
        String base = current.path("dashboard").path("title").asText();
        String title = uid + " " + change;
        String body = """
                {"dashboard": {"uid": "%s", "title": "%s", "tags": [], "schemaVersion": 39, "panels": [], "version": %d},
                 "folderUid": "%s", "overwrite": false, "message": "%s"}
                """.formatted(uid, title, current.path("dashboard").path("version").asLong(),
                current.path("meta").path("folderUid").asText(), change);
        HttpResponse<String> saved = http.send(request(user, "/api/dashboards/db")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (saved.statusCode() == 200) {
            saves.add(new Save(user.name(), user.backend(), uid, title, base));
        }
        return saved.statusCode();
    }

    private static HttpRequest.Builder request(User user, String path) {
        return EditingRig.request(user.gateway().port(), user.backend(), path);
    }

    // ---- what a user would notice ------------------------------------------------------------------------------

    private void verify(List<Save> saves) throws IOException {
        // Settled: nothing waits to be written, and both instances show Git's head for every dashboard.
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> backlog() == 0 && everywhereAsInGit());
        String settled = repo.head().orElseThrow();
        Map<String, Integer> versions = versionsOnBothInstances();

        // No ping-pong: nothing commits, and no instance's dashboards keep being rewritten.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> repo.head().orElseThrow().equals(settled) && versionsOnBothInstances().equals(versions));

        Map<String, Map<String, Integer>> committed = new HashMap<>();
        for (String uid : UIDS) {
            committed.put(uid, commitsPerTitle(file(uid)));
        }
        Set<String> onConflictBranches = titlesOnConflictBranches();
        Set<String> kept = new HashSet<>();
        List<String> superseded = new ArrayList<>();
        // Newest first, so a save's successor is already judged: a save that the same backend's next save was
        // based on is carried forward by it (the UI would have sent both changes), so it is kept if that one is.
        Map<String, String> successor = new HashMap<>();
        saves.forEach(s -> successor.putIfAbsent(s.backend() + "/" + s.base(), s.title()));
        for (int i = saves.size() - 1; i >= 0; i--) {
            Save s = saves.get(i);
            String next = successor.get(s.backend() + "/" + s.title());
            if (committed.get(s.uid()).containsKey(s.title()) || onConflictBranches.contains(s.title())) {
                kept.add(s.title());
            } else if (next != null && kept.contains(next)) {
                kept.add(s.title());
                superseded.add(s.title() + " -> " + next);
            }
        }
        System.out.printf("%d gateway(s): in Git's history: %d, on conflict branches: %d, carried by the next save on the same "
                        + "instance before the write-back read it: %d %s%n", gateways.size(),
                saves.stream().filter(s -> committed.get(s.uid()).containsKey(s.title())).count(),
                saves.stream().filter(s -> onConflictBranches.contains(s.title())).count(), superseded.size(),
                superseded);

        List<Save> lost = saves.stream().filter(s -> !kept.contains(s.title())).toList();
        lost.forEach(this::explain);
        assertThat(lost.stream().map(Save::title).toList())
                .as("saves that got 200 but are neither in Git's history, nor on a gateway/conflicts/ branch, "
                        + "nor carried forward by a later save based on them")
                .isEmpty();
        for (String uid : UIDS) {
            assertThat(committed.get(uid).entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .toList()).as("edits of %s committed more than once", uid).isEmpty();
        }
    }

    /**
     * Prints what a failure needs to be understood: the versions the lost save's instance holds around it (who
     * wrote each, with what message and title) and the commits that changed the file.
     */
    private void explain(Save lost) {
        GrafanaEmulator instance = lost.backend().equals("grafana-a") ? a : b;
        List<DashboardVersion> history = instance.versions(lost.uid());
        int at = -1;
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).data().path("title").asText().equals(lost.title())) {
                at = i;
            }
        }
        System.out.printf("LOST %s (saved on %s over \"%s\"); its versions there around it:%n", lost.title(),
                lost.backend(), lost.base());
        for (int i = Math.max(0, at - 4); i < Math.min(history.size(), at + 8); i++) {
            var v = history.get(i);
            System.out.printf("  v%d %s by %s \"%s\": %s%n", v.version(), v.created(), v.createdBy(),
                    v.message(), v.data().path("title").asText());
        }
        try (Repository r = bare(); RevWalk walk = new RevWalk(r)) {
            walk.markStart(walk.parseCommit(r.resolve(Constants.R_HEADS + "main")));
            int n = 0;
            for (RevCommit c : walk) {
                Optional<ObjectId> blob = blob(r, c, file(lost.uid()));
                Optional<ObjectId> before = c.getParentCount() == 0 ? Optional.empty()
                        : blob(r, walk.parseCommit(c.getParent(0)), file(lost.uid()));
                if (blob.isPresent() && !blob.equals(before) && n++ < 12) {
                    System.out.printf("  git %s %s %s: %s%n", c.abbreviate(7).name(),
                            Instant.ofEpochSecond(c.getCommitTime()), c.getShortMessage(),
                            title(new String(r.open(blob.get()).getBytes(), StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            System.out.println("  (cannot read Git's history: " + e + ")");
        }
    }

    private boolean everywhereAsInGit() {
        for (String uid : UIDS) {
            String inGit = title(repo.readFile("main", file(uid)).orElseThrow());
            if (!a.dashboard(uid).map(StoredDashboard::title).orElse("").equals(inGit)
                    || !b.dashboard(uid).map(StoredDashboard::title).orElse("").equals(inGit)) {
                return false;
            }
        }
        return true;
    }

    private Map<String, Integer> versionsOnBothInstances() {
        Map<String, Integer> versions = new HashMap<>();
        for (String uid : UIDS) {
            versions.put("a/" + uid, a.dashboard(uid).map(StoredDashboard::version).orElse(-1));
            versions.put("b/" + uid, b.dashboard(uid).map(StoredDashboard::version).orElse(-1));
        }
        return versions;
    }

    private double backlog() {
        return gateways.stream().mapToDouble(g -> g.registry().get("gateway_writeback_backlog").gauge().value()).sum();
    }

    /** For each title the file had on {@code main}: how many commits changed the file to it. */
    private Map<String, Integer> commitsPerTitle(String path) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        try (Repository r = bare(); RevWalk walk = new RevWalk(r)) {
            walk.markStart(walk.parseCommit(r.resolve(Constants.R_HEADS + "main")));
            for (RevCommit c : walk) {
                Optional<ObjectId> blob = blob(r, c, path);
                Optional<ObjectId> before = c.getParentCount() == 0 ? Optional.empty()
                        : blob(r, walk.parseCommit(c.getParent(0)), path);
                if (blob.isPresent() && !blob.equals(before)) {
                    counts.merge(title(new String(r.open(blob.get()).getBytes(), StandardCharsets.UTF_8)), 1,
                            Integer::sum);
                }
            }
        }
        return counts;
    }

    /** The title of the conflicting dashboard at the tip of every {@code gateway/conflicts/<uid>-<time>} branch. */
    private Set<String> titlesOnConflictBranches() throws IOException {
        Set<String> titles = new HashSet<>();
        String prefix = Constants.R_HEADS + "gateway/conflicts/";
        try (Repository r = bare(); RevWalk walk = new RevWalk(r)) {
            for (Ref ref : r.getRefDatabase().getRefsByPrefix(prefix)) {
                RevCommit c = walk.parseCommit(ref.getObjectId());
                for (String uid : UIDS) {
                    if (!ref.getName().startsWith(prefix + uid + "-")) {
                        continue;
                    }
                    Optional<ObjectId> blob = blob(r, c, file(uid));
                    if (blob.isPresent()) {
                        titles.add(title(new String(r.open(blob.get()).getBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        return titles;
    }

    private Repository bare() throws IOException {
        return new FileRepositoryBuilder().setGitDir(repo.bareDir().toFile()).setMustExist(true).build();
    }

    private static Optional<ObjectId> blob(Repository r, RevCommit c, String path) throws IOException {
        try (TreeWalk t = TreeWalk.forPath(r, path, c.getTree())) {
            return t == null ? Optional.empty() : Optional.of(t.getObjectId(0));
        }
    }

    private static String title(String json) {
        try {
            return JSON.readTree(json).path("title").asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static String file(String uid) {
        return "shared/team-a/" + uid + ".json";
    }

    // ---- the system --------------------------------------------------------------------------------------------

    private void awaitSynced() {
        await().atMost(Duration.ofSeconds(30)).until(() -> everywhereAsInGit()
                && gateways.stream().allMatch(g -> g.health().status().backends().stream().allMatch(s -> s.routable())));
    }

    /** A gateway in load-balance mode in front of both instances, with its own data directory. */
    private Gateway gateway(String dataDir) throws Exception {
        Gateway gateway = Gateway.start(rig.config("127.0.0.1:0", "127.0.0.1:0", dir.resolve(dataDir)));
        gateways.add(gateway);
        return gateway;
    }
}
