import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Saves through the gateway from many connections at once, as Grafana's UI does (GET the dashboard for its version,
 * then POST it with overwrite false), for a while; writes every acknowledged save (HTTP 200) to a CSV.
 * Connection i edits its own dashboard (dash-(i mod dashboards)+1), so saves do not refuse each other with 412.
 *
 * <p>Usage: {@code java -cp grafana-ha-gateway.jar bench/WritebackLoad.java <gateway-url> <connections> <seconds>
 * <dashboards> <acked.csv> [cookie-backend [pause-ms]]}
 */
public final class WritebackLoad {
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");
    private static final Pattern FOLDER = Pattern.compile("\"folderUid\"\\s*:\\s*\"([^\"]*)\"");

    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        int connections = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        int dashboards = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        String cookie = args.length > 5 ? "gw=" + args[5] : "";
        long pauseMs = args.length > 6 ? Long.parseLong(args[6]) : 0;
        String auth = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes());
        int width = String.valueOf(dashboards).length();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.currentTimeMillis() + seconds * 1000;
        List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            int conn = c;
            String uid = String.format("dash-%0" + width + "d", conn % dashboards + 1);
            Thread t = new Thread(() -> {
                int n = 0;
                try {
                    while (System.currentTimeMillis() < deadline) {
                        try {
                            HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(gateway + "/api/dashboards/uid/"
                                    + uid)).timeout(Duration.ofSeconds(20)).header("Authorization", auth);
                            if (!cookie.isEmpty()) {
                                get.header("Cookie", cookie);
                            }
                            HttpResponse<String> current = http.send(get.GET().build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (current.statusCode() != 200) {
                                statuses.computeIfAbsent(current.statusCode(), k -> new AtomicLong()).incrementAndGet();
                                pause();
                                continue;
                            }
                            Matcher v = VERSION.matcher(current.body().substring(current.body().indexOf("\"dashboard\"")));
                            Matcher f = FOLDER.matcher(current.body());
                            if (!v.find() || !f.find()) {
                                errors.incrementAndGet();
                                continue;
                            }
                            n++;
                            String title = uid + " [c" + conn + "-n" + n + "]";
                            String body = "{\"dashboard\": {\"uid\": \"" + uid + "\", \"title\": \"" + title
                                    + "\", \"tags\": [], \"schemaVersion\": 39, \"panels\": [], \"version\": "
                                    + v.group(1) + "}, \"folderUid\": \"" + f.group(1)
                                    + "\", \"overwrite\": false, \"message\": \"load\"}";
                            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(gateway + "/api/dashboards/db"))
                                    .timeout(Duration.ofSeconds(20)).header("Authorization", auth)
                                    .header("Content-Type", "application/json");
                            if (!cookie.isEmpty()) {
                                post.header("Cookie", cookie);
                            }
                            long at = System.currentTimeMillis();
                            HttpResponse<String> saved = http.send(post.POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            statuses.computeIfAbsent(saved.statusCode(), k -> new AtomicLong()).incrementAndGet();
                            if (saved.statusCode() == 200) {
                                acked.add(uid + ",[c" + conn + "-n" + n + "]," + at);
                                if (pauseMs > 0) {
                                    // Uniform in [0, pause]: the connections' saves spread out instead of marching.
                                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(pauseMs + 1));
                                }
                            } else {
                                pause();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            pause();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        done.await();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.println("uid,marker,saved_at_ms");
            synchronized (acked) {
                acked.forEach(w::println);
            }
        }
        System.out.println("acknowledged saves: " + acked.size() + "; POST/GET statuses " + statuses
                + "; connection errors " + errors.get());
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(100); // a bench client backing off, not production code
    }
}
