package io.lockstep.postgres.internal;

import io.lockstep.projection.LockstepException;
import io.lockstep.projection.TransientStoreException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Turns JDBC failures into Lockstep's exceptions: transient ones become {@link TransientStoreException}.
 * Shared by the projection store and the event log; not an API.
 */
public final class SqlFailures {

    /** SQLStates outside classes 08 and 40 that also mean "try again later". */
    private static final Set<String> TRANSIENT_STATES = Set.of(
            "57P01", // admin_shutdown
            "57P02", // crash_shutdown
            "57P03", // cannot_connect_now
            "53300", // too_many_connections
            "55P03"  // lock_not_available
    );

    private SqlFailures() {
    }

    /** @return true when {@code failure}'s cause chain holds a connection, serialization or deadlock failure */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("40") || TRANSIENT_STATES.contains(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Wraps a failure of {@code operation} on {@code store}: transient failures in a
     * {@link TransientStoreException}, others in a {@link LockstepException}; Lockstep's own exceptions
     * pass through unchanged.
     */
    public static RuntimeException translate(String store, String operation, Throwable failure) {
        if (failure instanceof TransientStoreException transientFailure) {
            return transientFailure;
        }
        if (isTransient(failure)) {
            return new TransientStoreException(store + ": " + operation + " failed, the database is unreachable or"
                    + " the transaction lost a race (retryable): " + failure, failure);
        }
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new LockstepException(store + ": " + operation + " failed: " + failure + hint(failure), failure);
    }

    private static String hint(Throwable failure) {
        if (failure instanceof SQLException sql && ("42P01".equals(sql.getSQLState())
                || "3F000".equals(sql.getSQLState()))) {
            return "; Lockstep's tables are missing: run LockstepMigrations.migrate(dataSource, schema) first";
        }
        return "";
    }
}
