package io.lockstep.projection;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;

/**
 * A poison event skipped under {@link FailurePolicy.Skip}, with the error that made it poison.
 *
 * @param key        the projection (and tenant) that skipped it
 * @param envelope   the event
 * @param errorClass the exception's class name
 * @param message    the exception's message (may be empty)
 * @param stackTrace the exception's full stack trace
 */
public record DeadLetter(CheckpointKey key, Envelope envelope, String errorClass, String message, String stackTrace) {

    /** Validates the components. */
    public DeadLetter {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(errorClass, "errorClass");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(stackTrace, "stackTrace");
    }

    /** Builds the dead letter of {@code envelope} from the handler's {@code error}. */
    public static DeadLetter of(CheckpointKey key, Envelope envelope, Throwable error) {
        Throwable root = Failures.handlerCause(error);
        StringWriter trace = new StringWriter();
        root.printStackTrace(new PrintWriter(trace));
        return new DeadLetter(
                key, envelope, root.getClass().getName(), String.valueOf(root.getMessage()), trace.toString());
    }
}
