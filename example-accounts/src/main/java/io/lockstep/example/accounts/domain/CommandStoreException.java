package io.lockstep.example.accounts.domain;

/**
 * The database failed while a command ran (unreachable, a timeout, a lost connection). Whether the command
 * was stored is unknown when the failure hit its commit; a retry with the same {@link IdempotencyKey} is safe.
 */
public final class CommandStoreException extends RuntimeException {

    /** @param cause the JDBC failure, or null */
    public CommandStoreException(String message, Throwable cause) {
        super(message + (cause == null ? "" : ": " + cause.getMessage()), cause);
    }
}
