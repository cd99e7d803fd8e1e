package io.grafanaha.gateway.admin;

import java.io.IOException;

/** Answers the requests of one admin route; see {@link AdminServer#route} and {@link AdminServer#routePrefix}. */
@FunctionalInterface
public interface AdminHandler {
    /** Must answer through {@link AdminExchange#send}; a handler that returns without answering gets a 500 sent for it. */
    void handle(AdminExchange exchange) throws IOException;
}
