/**
 * Git hosts on loopback for sync tests: {@link io.grafanaha.testkit.git.GitServer} (JGit smart HTTP on Jetty,
 * optional token, can be switched off), {@link io.grafanaha.testkit.git.GitDaemon} (the C {@code git daemon}),
 * and {@link io.grafanaha.testkit.git.GitWorkspace} to act as a person pushing dashboard changes.
 */
package io.grafanaha.testkit.git;
