/**
 * What every backend must hold, read from one commit ({@link io.grafanaha.sync.desired.ReadDesiredState}):
 * folders, dashboards with their source file, and the files that were skipped.
 */
package io.grafanaha.sync.desired;
