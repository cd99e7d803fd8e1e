package io.grafanaha.sync.apply;

import io.grafanaha.sync.plan.PlanOperation;

/**
 * One operation of a plan that could not be applied.
 *
 * @param backend the backend it was applied to
 * @param subject what it concerned: {@code dashboard <uid> (<file>)} or {@code folder <uid>}
 * @param operation the operation, as {@code sync --dry-run} prints it
 * @param cause what went wrong, as Grafana or the network reported it
 */
public record ApplyFailure(String backend, String subject, PlanOperation operation, String cause) {

    /** One line for logs and {@code lastError}: backend, subject, cause. */
    public String message() {
        return backend + ": " + subject + ": " + cause;
    }
}
