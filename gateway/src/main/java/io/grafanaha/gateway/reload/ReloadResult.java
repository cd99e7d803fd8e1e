package io.grafanaha.gateway.reload;

import io.grafanaha.gateway.config.ConfigProblem;
import java.time.Instant;
import java.util.List;

/**
 * How one reload ended: the file was applied (fully, or but for keys that need a restart), or it was invalid and
 * nothing changed. {@link #result()} is the {@code result} label of {@code gateway_config_reloads_total}.
 */
public sealed interface ReloadResult {

    Instant at();

    /** What asked for the reload: {@code SIGHUP}, {@code admin API from /127.0.0.1:5555}, ... */
    String trigger();

    /** {@code ok}, {@code partial} or {@code invalid}. */
    String result();

    /** One line for the log, the answer and the ops page. */
    String message();

    /**
     * The file is running now.
     *
     * @param applied       what changed, in words ({@code backends +c -a, proxy}), or {@code nothing}
     * @param restartNeeded keys whose new values wait for a restart (empty: result {@code ok})
     * @param sha256        the file's SHA-256, hex
     */
    record Applied(Instant at, String trigger, String applied, List<String> restartNeeded, String sha256)
            implements ReloadResult {
        public Applied {
            restartNeeded = List.copyOf(restartNeeded);
        }

        public String result() {
            return restartNeeded.isEmpty() ? "ok" : "partial";
        }

        public String message() {
            String done = "applied: " + applied;
            return restartNeeded.isEmpty() ? done : done + "; restart needed for: " + String.join(", ", restartNeeded);
        }
    }

    /** The file did not validate, exactly as {@code check} would say; the running configuration is unchanged. */
    record Invalid(Instant at, String trigger, String file, List<ConfigProblem> problems) implements ReloadResult {
        public Invalid {
            problems = List.copyOf(problems);
        }

        public String result() {
            return "invalid";
        }

        public String message() {
            return file + " is invalid, nothing changed: "
                    + String.join("; ", problems.stream().map(ConfigProblem::toString).toList());
        }
    }
}
