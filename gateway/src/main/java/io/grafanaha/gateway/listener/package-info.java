/**
 * What every listener of the gateway has, public and admin alike: a cap on open connections (in total
 * and per client address), a deadline for the request head (slowloris), and a pause in accepting when the
 * process runs out of file descriptors. Each is one small Netty handler; a listener's pipeline names them.
 */
package io.grafanaha.gateway.listener;
