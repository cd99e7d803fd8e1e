package io.grafanaha.gateway.config;

/** The ops listener; without a token every state-changing admin call is refused. */
public record AdminConfig(HostPort listen, Secret token) {}
