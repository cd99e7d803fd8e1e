/** What every backend must hold: the Git mirror, the dashboard model, planning and applying. */
package io.grafanaha.sync;
