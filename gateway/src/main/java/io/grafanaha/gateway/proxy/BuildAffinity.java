package io.grafanaha.gateway.proxy;

import io.grafanaha.health.Backend;
import io.grafanaha.health.Builds;
import io.grafanaha.health.Router;
import io.grafanaha.health.check.GrafanaBuild;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One Grafana build per browser during a rolling upgrade. Grafana's frontend loads code chunks lazily, named
 * after the build; a browser whose page came from one build and whose next chunk request lands on an instance
 * of another gets 404s and a broken page (grafana/grafana#130587). While the backends that may serve report
 * different builds in {@code /api/health}, the first answer sets a cookie naming its build, and later requests
 * avoid instances of other builds, unless none of the cookie's build may serve (then the browser moves, and
 * its cookie with it). When every instance runs one build, nothing is read or set.
 */
final class BuildAffinity {
    static final String COOKIE = "grafana_ha_build";
    static final BuildAffinity OFF = new BuildAffinity(Builds.NONE, null);

    private final Builds builds;
    private final Router router;

    BuildAffinity(Builds builds, Router router) {
        this.builds = builds;
        this.router = router;
    }

    boolean on() {
        return builds != Builds.NONE;
    }

    /**
     * The backends a request with {@code clientBuild} (its cookie, or null) must avoid: while the backends that may
     * serve run different builds and one of them runs the client's, those that run another. Otherwise none.
     */
    Set<String> avoid(String clientBuild) {
        if (clientBuild == null || !on()) {
            return Set.of();
        }
        List<Backend> up = router.routable();
        if (!differ(up)) {
            return Set.of();
        }
        Set<String> avoid = new HashSet<>();
        for (Backend b : up) {
            if (!clientBuild.equals(token(b.name()))) {
                avoid.add(b.name());
            }
        }
        return avoid.size() == up.size() ? Set.of() : avoid; // none of its build may serve: the browser moves
    }

    /** The {@code Set-Cookie} value for an answer from {@code backend} while builds differ, unless the client's cookie already names its build. */
    String setCookie(String backend, String clientBuild) {
        if (!on() || !differ(router.routable())) {
            return null; // the common case, every instance on one build: no token built for the answer
        }
        String token = token(backend);
        if (token.isEmpty() || token.equals(clientBuild)) {
            return null;
        }
        return COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Lax";
    }

    private boolean differ(List<Backend> up) {
        if (up.size() < 2 || sameBuilds(up)) { // one backend up (failover's usual state) differs from nobody
            return false;
        }
        String first = null;
        for (Backend b : up) {
            String token = token(b.name());
            if (first == null) {
                first = token;
            } else if (!first.equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether every backend in {@code up} reported the same build (or none): then their tokens are equal, unbuilt. */
    private boolean sameBuilds(List<Backend> up) {
        Optional<GrafanaBuild> first = null;
        for (Backend b : up) {
            Optional<GrafanaBuild> build = builds.build(b.name());
            if (first == null) {
                first = build;
            } else if (!first.equals(build)) {
                return false;
            }
        }
        return true;
    }

    private String token(String backend) {
        return builds.build(backend).map(GrafanaBuild::token).orElse("");
    }
}
