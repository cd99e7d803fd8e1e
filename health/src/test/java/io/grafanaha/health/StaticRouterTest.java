package io.grafanaha.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StaticRouterTest {
    private static final Backend A = backend("a", Role.REPLICA);
    private static final Backend B = backend("b", Role.PRIMARY);
    private static final Backend C = backend("c", Role.REPLICA);

    private static Backend backend(String name, Role role) {
        return new Backend(name, URI.create("http://127.0.0.1:1"), role);
    }

    private static Optional<Backend> pick(Router router, RouteRequest request) {
        return router.pick(request).map(Route::backend);
    }

    private static RouteRequest excluding(String... names) {
        return new RouteRequest(Optional.empty(), Set.of(names));
    }

    @Test
    void failoverPicksThePrimaryWhereverItIsConfigured() {
        Router router = new StaticRouter(RoutingMode.FAILOVER, List.of(A, B, C));
        assertThat(pick(router, RouteRequest.any())).contains(B);
        assertThat(pick(router, RouteRequest.any())).contains(B);
    }

    @Test
    void failoverFallsBackToReplicasInConfiguredOrderWhenTried() {
        Router router = new StaticRouter(RoutingMode.FAILOVER, List.of(A, B, C));
        assertThat(pick(router, excluding("b"))).contains(A);
        assertThat(pick(router, excluding("b", "a"))).contains(C);
        assertThat(pick(router, excluding("a", "b", "c"))).isEmpty();
    }

    @Test
    void loadBalanceTakesTurns() {
        Router router = new StaticRouter(RoutingMode.LOAD_BALANCE, List.of(A, B, C));
        List<String> names = IntStream.range(0, 6).mapToObj(i -> pick(router, RouteRequest.any()).orElseThrow().name()).toList();
        assertThat(names).containsExactly("a", "b", "c", "a", "b", "c");
    }

    @Test
    void loadBalanceSkipsTriedBackends() {
        Router router = new StaticRouter(RoutingMode.LOAD_BALANCE, List.of(A, B));
        IntStream.range(0, 4).forEach(i -> assertThat(pick(router, excluding("a"))).contains(B));
    }

    @Test
    void affinityKeyNamingARoutableBackendWins() {
        Router router = new StaticRouter(RoutingMode.LOAD_BALANCE, List.of(A, B, C));
        var sticky = new RouteRequest(Optional.of("c"), Set.of());
        IntStream.range(0, 3).forEach(i -> assertThat(pick(router, sticky)).contains(C));
        assertThat(pick(router, new RouteRequest(Optional.of("c"), Set.of("c")))).isPresent().get().isNotEqualTo(C);
        assertThat(pick(router, new RouteRequest(Optional.of("nope"), Set.of()))).isPresent();
    }

    @Test
    void aLoadBalanceRouteSaysWhenTheClientsAffinityMustChange() {
        Router router = new StaticRouter(RoutingMode.LOAD_BALANCE, List.of(A, B, C));
        assertThat(router.pick(new RouteRequest(Optional.of("c"), Set.of()))).contains(new Route(C, false));
        assertThat(router.pick(new RouteRequest(Optional.of("c"), Set.of("c")))).hasValueSatisfying(r -> assertThat(r.setAffinity()).isTrue());
        assertThat(router.pick(RouteRequest.any())).hasValueSatisfying(r -> assertThat(r.setAffinity()).isTrue());
    }

    @Test
    void aFailoverRouteNeverTouchesTheAffinity() {
        Router router = new StaticRouter(RoutingMode.FAILOVER, List.of(A, B, C));
        assertThat(router.pick(RouteRequest.any())).contains(Route.to(B));
        assertThat(router.pick(new RouteRequest(Optional.of("gone"), Set.of()))).contains(Route.to(B));
    }

    @Test
    void routableListsEveryBackendWithoutAdvancingTheCursor() {
        Router router = new StaticRouter(RoutingMode.LOAD_BALANCE, List.of(A, B));
        assertThat(router.routable()).containsExactly(A, B);
        assertThat(pick(router, RouteRequest.any())).contains(A);
    }

    @Test
    void backendUsesTheSchemeDefaultPort() {
        assertThat(new Backend("x", URI.create("http://grafana"), Role.PRIMARY).port()).isEqualTo(80);
        assertThat(new Backend("x", URI.create("https://grafana"), Role.PRIMARY).port()).isEqualTo(443);
        assertThat(new Backend("x", URI.create("http://[::1]:3000"), Role.PRIMARY).host()).isEqualTo("::1");
    }

    @Test
    void aRouterNeedsBackends() {
        assertThatThrownBy(() -> new StaticRouter(RoutingMode.FAILOVER, List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
