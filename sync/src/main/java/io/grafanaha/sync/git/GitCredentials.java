package io.grafanaha.sync.git;

import java.nio.file.Path;
import java.util.Objects;

/** How the mirror authenticates to the remote repository. */
public sealed interface GitCredentials {

    /** Anonymous access: {@code file://}, {@code git://}, public https. */
    record None() implements GitCredentials {}

    /**
     * An https access token sent as the password of Basic authentication. GitHub and Gitea accept any user name,
     * GitLab wants {@code oauth2} for OAuth tokens and Bitbucket {@code x-token-auth}, hence the user is settable.
     */
    record Token(String username, String token) implements GitCredentials {
        public Token {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(token, "token");
        }

        /** A token with the user name GitHub documents for tokens. */
        public static Token of(String token) {
            return new Token("x-access-token", token);
        }

        @Override
        public String toString() {
            return "Token[username=" + username + ", token=***]";
        }
    }

    /**
     * An ssh private key file (OpenSSH or PEM format, RSA/ECDSA/ed25519, unencrypted), the only identity offered for
     * {@code ssh://} and scp-like repositories. Host keys are trusted on first use, see {@link GitTransports}.
     */
    record SshKey(Path keyFile) implements GitCredentials {}

    static GitCredentials none() {
        return new None();
    }
}
