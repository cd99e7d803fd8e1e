/** The ops listener: liveness, readiness and Prometheus metrics (more admin endpoints come later). */
package io.grafanaha.gateway.admin;
