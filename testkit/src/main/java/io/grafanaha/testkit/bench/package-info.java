/** Load and reporting tools the shell benchmarks in {@code bench/} run from the gateway's jar. */
package io.grafanaha.testkit.bench;
