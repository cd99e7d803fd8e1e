package io.grafanaha.testkit.git;

/** A Git operation a test asked for failed; unchecked so test code stays linear. */
public final class GitTestException extends RuntimeException {

    GitTestException(String message, Throwable cause) {
        super(message, cause);
    }
}
