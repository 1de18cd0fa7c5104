package io.lockstep.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lockstep.projection.LockstepException;
import io.lockstep.projection.TransientStoreException;
import java.io.IOException;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Sorts Lettuce's failures into Lockstep's: what may go away on its own (the server unreachable, a broken
 * connection, a timeout, a server loading its data or being failed over, memory full) becomes a
 * {@link TransientStoreException} naming the store and the operation; anything else is left as thrown.
 */
final class RedisFailures {

    /** Error codes Redis answers while it cannot serve for a while. */
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "LOADING", "BUSY", "MASTERDOWN", "READONLY", "OOM", "TRYAGAIN", "NOREPLICAS", "CLUSTERDOWN", "MISCONF");

    private RedisFailures() {}

    /**
     * Translates {@code failure}, met while {@code operation} ran on {@code storeName}.
     *
     * @return a {@link TransientStoreException} for a transient cause anywhere in the chain, the failure
     *         itself when unchecked, else a {@link LockstepException} wrapping it
     */
    static RuntimeException translate(String storeName, String operation, Throwable failure) {
        if (failure instanceof TransientStoreException transientFailure) {
            return transientFailure;
        }
        Throwable transientCause = transientCause(failure);
        if (transientCause != null) {
            if (transientCause instanceof RedisCommandInterruptedException) {
                Thread.currentThread().interrupt();
            }
            return new TransientStoreException(storeName + ": " + operation + " failed: " + transientCause, failure);
        }
        if (failure instanceof RuntimeException unchecked) {
            return unchecked;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new LockstepException(storeName + ": " + operation + " failed: " + failure, failure);
    }

    /** @return the first transient failure in {@code failure}'s cause chain, or null */
    static Throwable transientCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isTransient(t)) {
                return t;
            }
        }
        return null;
    }

    private static boolean isTransient(Throwable t) {
        if (t instanceof RedisConnectionException
                || t instanceof RedisCommandTimeoutException
                || t instanceof RedisCommandInterruptedException
                || t instanceof IOException
                || t instanceof NoSuchElementException) {
            return true; // NoSuchElementException: the pool could not create a connection in time
        }
        if (t instanceof RedisCommandExecutionException execution) {
            return TRANSIENT_CODES.contains(code(execution.getMessage()))
                    || (execution.getMessage() != null
                            && execution.getMessage().contains("EXECABORT")
                            && execution.getMessage().contains("OOM"));
        }
        String message = t.getMessage();
        return t instanceof RedisException
                && message != null
                && (message.contains("Connection closed")
                        || message.contains("not connected")
                        || message.contains("Connection reset"));
    }

    private static String code(String message) {
        if (message == null) {
            return "";
        }
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
