/**
 * A TCP fault proxy that answers Toxiproxy's HTTP API, so failure tests use the standard {@code toxiproxy-java}
 * client; start one with {@link io.grafanaha.testkit.faults.Toxiproxies#connect()}.
 */
package io.grafanaha.testkit.faults;
