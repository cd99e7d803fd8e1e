package io.grafanaha.testkit.grafana;

import java.time.Clock;
import java.util.Objects;

/**
 * How an emulator instance looks from outside. Immutable; every setter returns a copy, so one base
 * options value can be shared by several instances:
 * {@code GrafanaEmulator.options().token("glsa_x").name("grafana-a")}.
 *
 * @param port                 TCP port on 127.0.0.1, 0 = ephemeral
 * @param token                the service-account token accepted as {@code Authorization: Bearer}
 * @param name                 instance name, used in thread names and the HTML page
 * @param serviceAccountLogin  login recorded as createdBy/updatedBy for token requests
 * @param adminUser            basic-auth / login user
 * @param adminPassword        basic-auth / login password
 * @param version              reported by /api/health
 * @param commit               reported by /api/health
 * @param legacyVersionsArray  versions list as a bare array (Grafana ≤ 11.4) instead of {continueToken, versions}
 * @param clock                time source for created/updated stamps
 * @param sessions             login sessions; pass one instance to several emulators to model the shared DB of an HA setup
 * @param authProxy            Grafana's {@code [auth.proxy]} section; off by default
 */
public record EmulatorOptions(
        int port,
        String token,
        String name,
        String serviceAccountLogin,
        String adminUser,
        String adminPassword,
        String version,
        String commit,
        boolean legacyVersionsArray,
        Clock clock,
        SessionRegistry sessions,
        AuthProxyOptions authProxy) {

    public EmulatorOptions {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(authProxy, "authProxy");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    static EmulatorOptions defaults() {
        return new EmulatorOptions(0, "glsa_emulatorTokenSecret0000000000000_00000000", "grafana",
                "sa-gateway", "admin", "admin", "12.1.0", "e0ba4b480954f8a33aa2cff3229f6bcc05777bd9",
                false, Clock.systemUTC(), null, AuthProxyOptions.disabled());
    }

    public EmulatorOptions port(int value) {
        return new EmulatorOptions(value, token, name, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions token(String value) {
        return new EmulatorOptions(port, value, name, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions name(String value) {
        return new EmulatorOptions(port, token, value, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions serviceAccountLogin(String value) {
        return new EmulatorOptions(port, token, name, value, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions admin(String user, String password) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, user, password, version, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions version(String value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, value, commit, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions commit(String value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, version, value, legacyVersionsArray, clock, sessions, authProxy);
    }

    public EmulatorOptions legacyVersionsArray(boolean value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, version, commit, value, clock, sessions, authProxy);
    }

    public EmulatorOptions clock(Clock value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, value, sessions, authProxy);
    }

    public EmulatorOptions sessions(SessionRegistry value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, value, authProxy);
    }

    public EmulatorOptions authProxy(AuthProxyOptions value) {
        return new EmulatorOptions(port, token, name, serviceAccountLogin, adminUser, adminPassword, version, commit, legacyVersionsArray, clock, sessions, value);
    }
}
