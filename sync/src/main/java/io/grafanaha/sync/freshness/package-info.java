/**
 * Which commit each backend holds and whether that is the Git head
 * ({@link io.grafanaha.sync.freshness.FreshnessTracker}), persisted per backend so a restart still knows it.
 */
package io.grafanaha.sync.freshness;
