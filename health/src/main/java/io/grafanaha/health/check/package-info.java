/**
 * Who is alive: active HTTP checks with rise/fall thresholds and a faster interval while a backend's
 * state is in doubt, plus passive failures reported by the proxy as a fast path into those checks.
 */
package io.grafanaha.health.check;
