/**
 * Library panels ({@code /api/library-elements}) as files in Git: read from {@code library-panels/} under
 * {@code sync.path} ({@link ReadLibraryPanels}), planned per backend ({@link PlanLibrary}) and applied by
 * {@link LibraryStep}, which a pass calls around its dashboard step: creates and updates before the dashboards that
 * use them, deletes after. A dashboard using a library panel Git does not hold is skipped and reported.
 */
package io.grafanaha.sync.library;
