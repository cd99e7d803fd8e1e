/**
 * Write-back: edits made in Grafana reach Git and, through the sync, every other backend; no edit is lost.
 *
 * <p>Wiring (the gateway's application class):
 *
 * <pre>{@code
 * SyncService sync = new SyncService(settings, targets, syncListener, clock, syncThreads);
 * WriteBack writeBack = new WriteBack(sync, event -> ..., clock, writeBackThreads) // journal + own mirror; the hold
 *         .setPollInterval(Duration.ofSeconds(10));                   // default 10 s; ZERO = no polling
 * sync.start();
 * writeBack.start();                                                   // replays the journal, starts polling
 * // proxy, after the backend answered 2xx to POST /api/dashboards/db, DELETE /api/dashboards/uid/:uid,
 * // POST /api/folders, PUT /api/folders/:uid or DELETE /api/folders/:uid, and BEFORE relaying that answer:
 * Optional<EditBody> body = EditBody.dashboardSave(requestBytes, responseBytes);   // saves only
 * writeBack.journal(new CapturedEdit(backend, Kind.DASHBOARD_SAVED, uid, Optional.of(login), Instant.now(), body))
 *         .whenComplete((ok, failed) -> relay the answer);  // on the journal thread, once forced to disk
 * // proxy, before forwarding POST /api/dashboards/db for an existing uid:
 * if (writeBack.wouldLoseUpdate(backend, uid, version)) -> 412 {"status":"version-mismatch",...}
 * // proxy, after a backend answered 2xx to POST/PUT/DELETE under /api/v1/provisioning/ or /api/ruler/grafana/:
 * writeBack.alertingWritten(backend);                                 // an alerting poll round now, not in 10 s
 * // metrics: status().commits() -> gateway_writeback_commits_total, status().conflicts() -> gateway_conflicts_total,
 * //          status().backlog() -> a backlog gauge (e.g. gateway_writeback_backlog)
 * writeBack.close(); sync.close();                                     // in this order
 * }</pre>
 *
 * <p>Decisions:
 * <ul>
 *   <li><b>Journal</b>: {@code <data-dir>/journal/edits.jsonl}, one JSON line per record, {@code edit} records with an
 *       id and {@code done} records, a relayed save with what it saved and the blob it was based on; forced to disk
 *       (group commit, on the journal's own thread) before {@code journal}'s stage completes; pending edits replay
 *       on start from their journaled body; emptied when nothing is pending
 *       ({@link io.grafanaha.sync.writeback.Journal}). When it cannot be written, the edits are held in memory and
 *       out of every pass until they are in Git, and the journal is retried
 *       ({@link io.grafanaha.sync.writeback.JournalQueue}).</li>
 *   <li><b>Push</b>: a commit on the head of the write-back's own bare mirror ({@code <data-dir>/writeback/mirror}),
 *       pushed without force expecting that head; on rejection fetch and re-apply, 5 attempts, then retried later
 *       with backoff (the edit stays in the journal).</li>
 *   <li><b>Conflict</b>: Git holds Y for the dashboard, the user's content U ≠ Y, and the backend's own version
 *       history shows U was not made on top of Y (no version before U holds Y) → Git keeps Y, U goes to
 *       {@code gateway/conflicts/<uid>-<yyyyMMdd-HHmmss>}, unless Git's history of the file or a conflict branch
 *       already keeps U (the same edit captured by another gateway). The history is shared by every gateway, so
 *       several gateways on one repository decide alike (see {@link io.grafanaha.sync.writeback.EditChange}).</li>
 *   <li><b>Library panels</b>: a save relayed by the gateway is journaled with the element Grafana answered (journal
 *       format 2) and committed by the same command as dashboards; Grafana keeps no history of a panel, so it
 *       conflicts when Git's file changed since the content the save was made over, known from the gateway's own
 *       records ({@link io.grafanaha.sync.writeback.LibraryPanelChange}). Edits made without the gateway are found
 *       by polling ({@link io.grafanaha.sync.writeback.LibraryPanelPoller}), last writer wins.</li>
 *   <li><b>Applied blobs</b>: {@link io.grafanaha.sync.actual.AppliedBlobs}, per process: which blob each backend holds
 *       (filled by passes and the write-back's own pushes, each record stamped with the moment of its read so a
 *       slow pass never turns a newer record back) and Git's head per uid; they answer {@code wouldLoseUpdate}
 *       and decide deletes and new files.</li>
 *   <li><b>No ping-pong</b>: versions whose message starts with {@code git-sync } are the sync's and never captured;
 *       the write-back never writes to Grafana; identical content makes no commit.</li>
 *   <li><b>Hold</b>: a pass leaves a dashboard or folder alone on a backend while an edit of it there is pending,
 *       and hands an edit made outside Git that it finds to the write-back instead of overwriting it.</li>
 *   <li><b>Alerting</b> ({@link io.grafanaha.sync.writeback.AlertingPoller}): no journal; edits are found by polling
 *       (and a round at once after {@code WriteBack.alertingWritten}, which the proxy calls for a relayed alerting
 *       write), by comparing each backend's rule groups, templates, mute timings, contact points and policy tree
 *       with what it last held from Git
 *       ({@link io.grafanaha.sync.alerting.AlertingLedger}, {@code <data-dir>/state/alerting-applied.json}) and with
 *       Git's head. Passes leave such an edit alone while a write-back watches. A group deleted there is deleted in
 *       Git unless more than one group and more than {@code sync.max-deletes} of its rules went at once; an edit of
 *       something Git changed since goes to {@code gateway/conflicts/alerting-...}.</li>
 *   <li><b>Catch-up</b>: a backend that lacks the newest save of a dashboard acknowledged elsewhere (pending in the
 *       journal, or committed and not fanned out yet) is brought up to it on demand, stamped as the sync's, never
 *       over an edit of its own; a pass leaves it alone while that save is pending
 *       ({@link io.grafanaha.sync.writeback.CatchUp}).</li>
 * </ul>
 */
package io.grafanaha.sync.writeback;
