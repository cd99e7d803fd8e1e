/** Real servers on loopback for tests, benchmarks and the demo: Grafana emulator, Git server, fault proxy. */
package io.grafanaha.testkit;
