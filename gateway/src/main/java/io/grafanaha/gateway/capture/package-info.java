/**
 * Edit capture: what the gateway knows of Grafana's write API. {@link io.grafanaha.gateway.capture.GrafanaWrites}
 * recognises dashboard, folder and library panel writes and reads them (once per edit, {@link io.grafanaha.gateway.capture.WatchedRequest});
 * {@link io.grafanaha.gateway.capture.EditHook} plugs that into the proxy's neutral
 * {@link io.grafanaha.gateway.proxy.RequestObserver} hook; {@link io.grafanaha.gateway.capture.EditCapture}
 * guards saves against lost updates and journals every successful write for Git before the client is
 * told it succeeded. {@link io.grafanaha.gateway.capture.SaveTranslation} translates a dashboard save to the
 * instance that serves it (its id and version there), from what the {@link io.grafanaha.gateway.capture.DashboardLedger}
 * learnt of each backend's copies, or answers Grafana's 412 when the user started from other content;
 * {@link io.grafanaha.gateway.capture.ResourceSaveTranslation} does the same for Grafana 12's resource API
 * ({@code metadata.resourceVersion}, 409), whose paths and answers {@link io.grafanaha.gateway.capture.DashboardResources} reads.
 * First, {@link io.grafanaha.gateway.capture.SaveCatchUp} brings an instance that lacks the newest acknowledged save of the
 * dashboard up to it (before such a save, and before a load of that dashboard there).
 *
 * <p>Threads: the hook's callbacks run on the client connection's event loop and return at once; the
 * journal write and its fsync run on the write-back's journal thread ({@code WriteBack.journal}), whose stage
 * releases the held answer; the translation's read of the serving instance runs on the sync's read threads.
 */
package io.grafanaha.gateway.capture;
