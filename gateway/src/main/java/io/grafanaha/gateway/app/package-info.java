/**
 * The wiring: configuration in, listeners out ({@link io.grafanaha.gateway.app.Gateway}), and the one place where the
 * clock and the thread pools are created ({@link io.grafanaha.gateway.app.Threads}).
 *
 * <h2>Which thread runs what</h2>
 *
 * <table>
 *   <caption>The threads of one gateway process</caption>
 *   <tr><th>Thread (name)</th><th>Runs</th><th>Created / shut down by</th></tr>
 *   <tr><td>Netty event loops (one per core; epoll or NIO)</td>
 *       <td>The public listener: every client connection, its backend connections (opened on the client's own
 *       loop), streaming both ways with auto-read off, retries, timers of an exchange, WebSocket tunnels, local
 *       routes (webhook), the edit capture's checks before a save is forwarded, and holding a save's answer until
 *       its edit is journaled (never the fsync itself)</td>
 *       <td>{@code ProxyServer.start()} / {@code ProxyServer.shutdown(grace)}: the transport decides the loop
 *       type</td></tr>
 *   <tr><td>{@code admin-io} (one Netty event loop)</td>
 *       <td>The admin listener's connections: accepting (with its own connection caps), HTTP framing, the
 *       request-head deadline</td>
 *       <td>{@code AdminServer.start()} / {@code AdminServer.close()}</td></tr>
 *   <tr><td>{@code admin-http}</td>
 *       <td>The admin listener's handlers: {@code /healthz}, {@code /readyz}, {@code /metrics}, {@code /api/*},
 *       the ops page; off the I/O loop, so a slow scrape never delays {@code /healthz}'s accept</td>
 *       <td>{@code AdminServer.start()} / {@code AdminServer.close()}</td></tr>
 *   <tr><td>{@code health-checks} (2)</td>
 *       <td>Health probes and the rise/fall state machine they drive; the look at {@code tls:}'s certificate files
 *       every {@code tls.reload-interval} (a stat of two files, and a new TLS context when they changed)</td>
 *       <td>{@code Threads}; shut down last</td></tr>
 *   <tr><td>{@code dns-discovery}</td>
 *       <td>Asks DNS again for the backend entries with {@code discovery} every {@code dns-refresh} and applies a
 *       changed answer through {@code RunningConfig}, like a reload (a quiet no-op without such entries)</td>
 *       <td>{@code Threads}</td></tr>
 *   <tr><td>{@code config-reload}</td>
 *       <td>A reload asked for by SIGHUP (the JVM's signal thread only hands it over); a reload asked for by
 *       {@code POST /api/reload} runs on {@code admin-http}. One at a time ({@code ConfigReload} is synchronized)</td>
 *       <td>{@code HangupReload}; a daemon, never shut down</td></tr>
 *   <tr><td>{@code sync-timer}</td>
 *       <td>Fires the sync interval, the fetch and per-backend backoffs and the waits between retries of a
 *       Grafana call; each task only hands work on, so it never blocks</td>
 *       <td>{@code Threads}; shut down after the backends' and dashboard calls' threads, so no call is left waiting
 *       for its retry</td></tr>
 *   <tr><td>{@code sync}</td>
 *       <td>The passes, one at a time ({@code PassScheduler}): fetch, read the head, then wait for the
 *       backends' parts</td>
 *       <td>{@code Threads}</td></tr>
 *   <tr><td>{@code sync-backend-N} (one per backend)</td>
 *       <td>One backend's part of a pass: read what it holds, plan, apply folders, record freshness</td>
 *       <td>{@code Threads}; waited for (10 s) at close</td></tr>
 *   <tr><td>{@code sync-apply-N} (backends x sync concurrency)</td>
 *       <td>Dashboard creates, updates, moves and deletes of a pass, at most the sync concurrency per
 *       backend</td>
 *       <td>{@code Threads}; waited for (10 s) at close</td></tr>
 *   <tr><td>{@code sync-read-N} (as needed, reused)</td>
 *       <td>Parallel reads of dashboards and folders for passes and for write-back polling, at most four per
 *       call; the read of the serving instance's copy before a save is translated (the save waits, its event
 *       loop does not)</td>
 *       <td>{@code Threads}</td></tr>
 *   <tr><td>{@code writeback}</td>
 *       <td>Journal replay at start, reading an edit back, commit and push, conflict branches, retries with
 *       backoff, and polling the backends for edits that bypass the gateway</td>
 *       <td>{@code Threads}; {@code WriteBack.close()} shuts it down after the edit in progress</td></tr>
 *   <tr><td>{@code writeback-journal}</td>
 *       <td>Appending captured edits (a dashboard save with what it saved) to the journal and forcing it to disk,
 *       grouped; a save's answer is released to its client when its group is forced, so a slow push never delays
 *       a save</td>
 *       <td>{@code Threads}; {@code WriteBack.close()} shuts it down</td></tr>
 *   <tr><td>JDK {@code HttpClient} threads</td>
 *       <td>The selector of each backend's sync client, of the health probe's client (one more per distinct backend
 *       client certificate, {@code BackendProbes}) and, with {@code auth.mode: oidc}, of the OpenID Connect client
 *       (code exchange, refresh, JWKS)</td>
 *       <td>The JDK, per client</td></tr>
 *   <tr><td>{@code access-log-writer}</td>
 *       <td>With the access log on: every 50 ms, formats the queued lines and writes them in batches</td>
 *       <td>{@code AccessLogWriter}; stopped with the proxy</td></tr>
 *   <tr><td>OpenTelemetry's {@code BatchSpanProcessor_WorkerThread}</td>
 *       <td>With {@code tracing.otlp-endpoint}: exports the ended spans in batches</td>
 *       <td>{@code Tracing}; shut down with the proxy</td></tr>
 *   <tr><td>{@code shutdown}</td>
 *       <td>{@code Gateway.close()} when the JVM is asked to stop</td>
 *       <td>{@code RunCommand}, as the JVM's shutdown hook</td></tr>
 * </table>
 *
 * <p>Routing and health events are delivered after the routing table's lock is released ({@code SerialDelivery}), in
 * order, on the thread that changed the state (or the one already delivering): {@code health-checks} for probe
 * results, an event loop for what the proxy saw (passive health), {@code admin-http} for drain, enable, failover and
 * failback. So no thread ever holds health's lock while it takes the sync's. Their listeners (closing tunnels,
 * re-routing waiting requests, marking a backend stale for the sync, asking for its pass) only hand work to the event
 * loops and the sync's threads, so none of them blocks.
 *
 * <p>Order at {@code Gateway.close()}: health checks stop, the write-back finishes its edit in progress, the sync
 * finishes its running pass, the sync's threads stop ({@code Threads.closeSync()}), the proxy drains for
 * {@code proxy.shutdown-grace}, the admin listener closes, and the health-check threads stop
 * ({@code Threads.close()}).
 *
 * <p>The sync command ({@code gateway sync}) builds the same {@code Threads} and closes them after its pass.
 */
package io.grafanaha.gateway.app;
