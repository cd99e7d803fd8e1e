package io.grafanaha.sync.freshness;

import java.time.Instant;

/**
 * What is persisted per backend in {@code <data-dir>/state/<backend>.json}: the last commit applied to it without
 * failures, and when. It survives a restart so status shows what each backend holds, but it never makes a backend
 * fresh by itself: a pass must verify the backend first.
 *
 * @param backend the backend's name
 * @param appliedCommit 40-hex commit id
 * @param lastSync when that pass finished
 */
public record AppliedState(String backend, String appliedCommit, Instant lastSync) {}
