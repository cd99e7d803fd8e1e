package io.grafanaha.sync.git;

import java.net.URI;
import java.util.Objects;

/**
 * The branch of a remote repository that the sync follows.
 *
 * @param repository an https, ssh, git or file URL (or a local path)
 * @param branch short branch name, e.g. {@code main}
 * @param credentials how to authenticate
 */
public record GitSource(String repository, String branch, GitCredentials credentials) {
    public GitSource {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(credentials, "credentials");
        if (repository.isBlank()) {
            throw new IllegalArgumentException("sync.repository is empty");
        }
        if (branch.isBlank() || branch.startsWith("refs/") || branch.contains("..") || branch.contains(" ")) {
            throw new IllegalArgumentException("sync.branch '" + branch + "' is not a short branch name");
        }
    }

    /** The full ref name of the branch, {@code refs/heads/<branch>}. */
    public String ref() {
        return "refs/heads/" + branch;
    }

    /**
     * The repository's name: the last path segment of its URL without {@code .git}, the default title of the
     * root folder ({@code https://host/org/grafana-manifests.git} gives {@code grafana-manifests}).
     */
    public String repositoryName() {
        String s = repository.replace('\\', '/');
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith(".git")) {
            s = s.substring(0, s.length() - 4);
        }
        int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf(':'));
        String name = s.substring(cut + 1);
        return name.isEmpty() ? "repository" : name;
    }

    /** The repository URL without any user info, safe for logs and error messages. */
    public String displayUrl() {
        try {
            URI uri = URI.create(repository);
            if (uri.getUserInfo() != null && uri.getHost() != null) {
                return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
                        .toString();
            }
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            // not a URI (scp-like ssh or a local path): nothing to strip
        }
        return repository;
    }
}
