package io.grafanaha.gateway.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a valid configuration may still get wrong: settings each allowed on its own that together cannot work
 * (a sync without the tokens it needs, write-back with no way to push, the example's placeholder repository).
 * {@code check} prints them as {@code warning:} lines and exits 0; {@code run} logs them at start.
 */
public final class ConfigWarnings {
    /** The repository the shipped examples name until one is set. */
    static final String PLACEHOLDER_OWNER = "your-org";

    private ConfigWarnings() {}

    /** Each warning names the key it is about and what to do. */
    public static List<String> of(GatewayConfig config) {
        List<String> warnings = new ArrayList<>();
        if (config.admin().token().isEmpty()) {
            warnings.add("admin.token is empty: every admin POST (drain, enable, failover, failback, sync) is refused"
                    + " with 403, so the ops page's actions do nothing; set a token to use them");
        }
        config.auth().oidc().ifPresent(oidc -> {
            if ("http".equals(oidc.issuer().getScheme()) && !loopbackHost(oidc.issuer().getHost())) {
                warnings.add("auth.oidc.issuer is plain http:// (" + oidc.issuer() + "): the client secret and the"
                        + " users' tokens would cross the network in clear; use the provider's https:// issuer");
            }
            if (oidc.clientSecret().isEmpty()) {
                warnings.add("auth.oidc.client-secret is empty: most providers refuse the code exchange of a"
                        + " confidential client without it");
            }
        });
        if (config.auth().enabled()) {
            warnings.add("auth.mode is " + (config.auth().mode() == AuthConfig.Mode.OIDC ? "oidc" : "trusted-header")
                    + ": every Grafana needs [auth.proxy] enabled = true with header_name = " + config.auth().grafana().user()
                    + " and a whitelist of only the gateways' addresses (an empty whitelist lets anyone who reaches"
                    + " a Grafana directly name any user)"
                    + (config.auth().headersEncoded() ? ", and headers_encoded = true (auth.headers-encoded is on)" : ""));
        }
        if (config.auth().headersEncoded() && !config.auth().enabled()) {
            warnings.add("auth.headers-encoded is on but auth.mode is none: no identity is sent, so it has no effect");
        }
        config.sync().ifPresent(sync -> {
            for (int i = 0; i < config.backends().size(); i++) {
                BackendConfig backend = config.backends().get(i);
                if (backend.apiToken().isEmpty()) {
                    warnings.add("backends[" + i + "].api-token is empty (" + backend.name() + "): the sync cannot read"
                            + " or write that Grafana's dashboards (Grafana answers 401); give it a service-account"
                            + " token, Editor, or Admin to manage folders");
                }
            }
            if (sync.repository().contains("/" + PLACEHOLDER_OWNER + "/")) {
                warnings.add("sync.repository is the example's placeholder (" + sync.repository() + "): set it, or"
                        + " GIT_REPOSITORY, to your repository");
            }
            if (sync.writeBack() && needsPushCredentials(sync)) {
                warnings.add("sync.write-back is on but sync.git-token is empty and " + sync.repository() + " carries"
                        + " no password: edits made in Grafana cannot be pushed over https; set sync.git-token, or"
                        + " sync.write-back: false to make Git the only writer");
            }
        });
        return List.copyOf(warnings);
    }

    private static boolean loopbackHost(String host) {
        return host != null && (host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    }

    private static boolean needsPushCredentials(SyncConfig sync) {
        Optional<URI> uri = parse(sync.repository());
        if (uri.isEmpty() || uri.get().getScheme() == null) {
            return false; // ssh's user@host:path, or a local path
        }
        String scheme = uri.get().getScheme();
        boolean overHttp = scheme.equals("https") || scheme.equals("http");
        String userInfo = uri.get().getRawUserInfo();
        return overHttp && sync.gitToken().isEmpty() && (userInfo == null || !userInfo.contains(":"));
    }

    private static Optional<URI> parse(String repository) {
        try {
            return Optional.of(URI.create(repository));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
