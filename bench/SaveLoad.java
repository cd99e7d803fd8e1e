import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Virtual users loading and saving dashboards through the gateway in a loop, as Grafana's UI does: GET
 * /api/dashboards/uid/:uid, a moment's thought, then POST /api/dashboards/db with the dashboard as loaded (its id
 * and version), retitled, its folderUid, a message and overwrite false. Two users share each dashboard, so real
 * conflicts happen; after a 412 the user loads again, as the UI's dialog makes them.
 *
 * <p>Each save's outcome is classified at the end: 200; 412 with a real conflict (the other user of that dashboard
 * had a save in flight or answered between the moment this user's load was sent and this 412: a load reads the
 * dashboard at some instant while it is in flight, so a save answered meanwhile may or may not be in what it got, as
 * on one Grafana); 412 without one, or any other answer
 * (5xx, a reset: a failover leaked to a user). Every save answered 200 is written to {@code acked} (uid and title),
 * for the caller to look for in Git and on the instances.
 *
 * <p>Signed in ({@code signed-in} {@code trusted-header}, the default of {@code bench/failover.sh}): each user is
 * a different person, named to the gateway as an authenticating proxy in front would ({@code X-Auth-Request-User:
 * bench-user-N}, role Editor; {@code auth.mode: trusted-header}), and the gateway passes them on to Grafana's auth
 * proxy; no Grafana password is sent. With {@code basic} every request carries Grafana's basic auth
 * ({@code admin:admin}) as before. A sign-out is any answer, to a load or a save, of 401 or a redirect to
 * {@code /login}: counted apart, it must be 0.
 *
 * <p>Usage: {@code java -cp grafana-ha-gateway.jar bench/SaveLoad.java <gateway-url> <users> <seconds> <dashboards>
 * <acked.csv> [think-ms] [basic|trusted-header]}
 */
public final class SaveLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One save: who, on what, when its load was sent, when it was sent and answered, and the answer. */
    record Save(int user, String uid, String title, long loadSentMs, long sentMs, long doneMs, int status, boolean signedOut) {
        Save(int user, String uid, String title, long loadSentMs, long sentMs, long doneMs, int status) {
            this(user, uid, title, loadSentMs, sentMs, doneMs, status, false);
        }
    }

    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        int users = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        int dashboards = Integer.parseInt(args[3]);
        Path acked = Path.of(args[4]);
        long thinkMs = args.length > 5 ? Long.parseLong(args[5]) : 100;
        boolean signedIn = args.length > 6 && args[6].equals("trusted-header");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.currentTimeMillis() + seconds * 1000;
        List<Save> saves = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(users);
        for (int u = 0; u < users; u++) {
            int user = u;
            String uid = "dash-" + (user / 2 % dashboards + 1);
            String[] auth = auth(signedIn, user);
            Thread t = new Thread(() -> {
                try {
                    for (int n = 1; System.currentTimeMillis() < deadline; n++) {
                        saves.add(loadAndSave(http, gateway, auth, user, uid, n, thinkMs));
                    }
                } finally {
                    done.countDown();
                }
            }, "user-" + user);
            t.start();
        }
        System.out.println("running: " + users + (signedIn ? " signed-in" : "") + " users for " + seconds + " s"); // the caller's clock starts here
        System.out.flush();
        done.await();
        report(saves, acked);
    }

    /**
     * The headers that say who a user is: the ones an authenticating proxy in front of the gateway sets
     * ({@code auth.mode: trusted-header}), a different person per user; or Grafana's basic auth, as a script sends it.
     */
    private static String[] auth(boolean signedIn, int user) {
        return signedIn
                ? new String[] {"X-Auth-Request-User", "bench-user-" + user, "X-Auth-Request-Email",
                        "bench-user-" + user + "@bench.invalid", "X-Auth-Request-Role", "Editor"}
                : new String[] {"Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes())};
    }

    /** A 401, or a redirect to Grafana's login page: the user would find themselves signed out. */
    private static boolean signedOut(HttpResponse<?> response) {
        return response.statusCode() == 401 || response.statusCode() / 100 == 3
                && response.headers().firstValue("Location").orElse("").contains("/login");
    }

    private static Save loadAndSave(HttpClient http, String gateway, String[] auth, int user, String uid, int n, long thinkMs) {
        String title = uid + " [u" + user + "-n" + n + "]";
        long loaded = -1;
        long sent = -1;
        try {
            long loadSent = System.currentTimeMillis();
            HttpResponse<String> got = http.send(HttpRequest.newBuilder(URI.create(gateway + "/api/dashboards/uid/" + uid))
                    .timeout(Duration.ofSeconds(20)).headers(auth).build(), HttpResponse.BodyHandlers.ofString());
            if (got.statusCode() != 200) {
                Thread.sleep(100); // the page did not load: nothing to save, try again shortly
                return new Save(user, uid, title, -1, -1, System.currentTimeMillis(), -got.statusCode(), signedOut(got));
            }
            loaded = loadSent;
            JsonNode page = JSON.readTree(got.body());
            Thread.sleep(ThreadLocalRandom.current().nextLong(thinkMs + 1));
            ObjectNode dashboard = page.get("dashboard").deepCopy();
            dashboard.put("title", title);
            ObjectNode body = JSON.createObjectNode();
            body.set("dashboard", dashboard);
            body.put("folderUid", page.path("meta").path("folderUid").asText());
            body.put("message", "bench");
            body.put("overwrite", false);
            sent = System.currentTimeMillis();
            HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(gateway + "/api/dashboards/db"))
                    .timeout(Duration.ofSeconds(30)).headers(auth).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            return new Save(user, uid, title, loaded, sent, System.currentTimeMillis(), saved.statusCode(), signedOut(saved));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Save(user, uid, title, loaded, sent, System.currentTimeMillis(), 0);
        } catch (Exception e) {
            // A reset or a timeout the user saw: a failed save (status 0) when it was sent, else a failed load.
            return new Save(user, uid, title, loaded, sent, System.currentTimeMillis(), sent < 0 ? -1 : 0);
        }
    }

    private static void report(List<Save> saves, Path acked) throws Exception {
        int ok = 0;
        int realConflicts = 0;
        int unexplained = 0;
        int failedLoads = 0;
        int signOuts = 0;
        try (PrintWriter out = new PrintWriter(acked.toFile())) {
            out.println("uid,title");
            for (Save s : saves) {
                if (s.signedOut()) {
                    signOuts++;
                    System.out.println("signed out: " + s);
                }
                if (s.sentMs() < 0) {
                    failedLoads++;
                } else if (s.status() == 200) {
                    ok++;
                    out.println(s.uid() + "," + s.title());
                } else if (s.status() == 412 && realConflict(s, saves)) {
                    realConflicts++;
                } else {
                    unexplained++;
                    System.out.println("save without a real conflict that failed: " + s);
                }
            }
        }
        System.out.printf("saves sent: %d; answered 200: %d; 412 with a real conflict: %d; 412/5xx/reset without one: %d"
                + " (must be 0); page loads that failed: %d; sign-outs (401 or a redirect to /login): %d (must be 0)%n",
                ok + realConflicts + unexplained, ok, realConflicts, unexplained, failedLoads, signOuts);
    }

    /** Another user's save of the same dashboard was in flight or answered between this save's load being sent and its 412. */
    private static boolean realConflict(Save s, List<Save> saves) {
        return saves.stream().anyMatch(o -> o.user() != s.user() && o.uid().equals(s.uid()) && o.sentMs() >= 0
                && o.status() != 412 && o.sentMs() <= s.doneMs() && o.doneMs() >= s.loadSentMs());
    }
}
