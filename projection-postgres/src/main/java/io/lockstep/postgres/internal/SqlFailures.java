package io.lockstep.postgres.internal;

import io.lockstep.projection.LockstepException;
import io.lockstep.projection.TransientStoreException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Map;

/**
 * Sorts PostgreSQL failures by whose fault they are and turns them into Lockstep's exceptions: a failure of the
 * environment becomes a {@link TransientStoreException}, which a projection runner retries for as long as it
 * lasts (state STALLED) and never blames on an event. The rule, by SQLState (the first match wins):
 *
 * <table>
 *   <caption>Failures that are the environment's, by SQLState</caption>
 *   <tr><th>SQLState</th><th>what it means</th></tr>
 *   <tr><td>08xxx</td><td>connection failure (server stopped, network, pool exhausted)</td></tr>
 *   <tr><td>25006, 25P03, 25P04</td><td>read-only transaction (a replica, a failover); idle-in-transaction and
 *       transaction timeouts</td></tr>
 *   <tr><td>28xxx, 3D000</td><td>login refused, database gone</td></tr>
 *   <tr><td>40xxx</td><td>serialization failure, deadlock</td></tr>
 *   <tr><td>42501</td><td>permission denied (a revoked grant)</td></tr>
 *   <tr><td>other 42xxx, 3F000, 0A000, 26000, 34000</td><td>the statement does not fit the database (a missing
 *       table, column or schema, a syntax error): every event would fail it, so no event is to blame; migrate
 *       or deploy the fix</td></tr>
 *   <tr><td>53xxx</td><td>insufficient resources: disk full, out of memory, too many connections</td></tr>
 *   <tr><td>55xxx</td><td>object not in prerequisite state, in use, lock not available (lock_timeout)</td></tr>
 *   <tr><td>57xxx</td><td>operator intervention: statement_timeout or cancel (57014), shutdown, crash recovery</td></tr>
 *   <tr><td>58xxx, XXxxx, F0xxx, 72000</td><td>system errors: I/O error, missing file, internal error, data
 *       corruption, configuration file error, snapshot too old</td></tr>
 * </table>
 *
 * <p>A JDBC {@link SQLTransientException} or {@link SQLRecoverableException} anywhere in the cause chain counts
 * as the environment's too. Everything else (22 data exceptions, 23 constraint violations, 21, 27, 44, 54, P0
 * raised by a trigger, a handler's own exception) may be an event's: the statement failed with this event's
 * values. Before the runner blames the event, the store runs a probe on the same connection and
 * the runner probes the store; a failure that the probe shares is the environment's after all.
 *
 * <p>Shared by the projection store and the event log; not an API.
 */
public final class SqlFailures {

    /** Whole SQLState classes that are the environment's, with what they mean. */
    private static final Map<String, String> ENVIRONMENT_CLASSES = Map.ofEntries(
            Map.entry("08", "the connection failed"),
            Map.entry("28", "the login was refused"),
            Map.entry("3D", "the database does not exist"),
            Map.entry("40", "the transaction lost a serialization or deadlock race"),
            Map.entry("42", "the statement does not fit the database's schema or grants"),
            Map.entry("3F", "the schema does not exist"),
            Map.entry("0A", "the database does not support the statement"),
            Map.entry("26", "a prepared statement is missing"),
            Map.entry("34", "a cursor is missing"),
            Map.entry("53", "the server is out of resources (disk, memory or connections)"),
            Map.entry("55", "an object the statement needs is locked or in use"),
            Map.entry("57", "the statement was cancelled or the server is shutting down"),
            Map.entry("58", "the server had a system error"),
            Map.entry("XX", "the server had an internal error"),
            Map.entry("F0", "the server's configuration is broken"),
            Map.entry("72", "the snapshot is too old"));

    /** Single SQLStates outside those classes that are the environment's. */
    private static final Map<String, String> ENVIRONMENT_STATES = Map.of(
            "25006", "the transaction is read-only (a replica or a failover)",
            "25P03", "the session was idle in transaction for too long",
            "25P04", "the transaction timed out");

    private SqlFailures() {}

    /**
     * @return true when {@code failure}'s cause chain holds a failure of the environment: see the class
     *         documentation for the SQLStates
     */
    public static boolean isTransient(Throwable failure) {
        return environmentReason(failure) != null;
    }

    /** @return what the environment's failure in {@code failure}'s cause chain means, or null when there is none */
    public static String environmentReason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransientStoreException) {
                return "the store is unavailable";
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String reason = reason(sql.getSQLState());
                if (reason != null) {
                    return reason + " (SQLState " + sql.getSQLState() + ")";
                }
            }
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return "the database is unreachable";
            }
        }
        return null;
    }

    /** @return what {@code sqlState} means when it is the environment's, or null when it may be an event's */
    public static String reason(String sqlState) {
        String state = ENVIRONMENT_STATES.get(sqlState);
        if (state != null) {
            return state;
        }
        if ("42501".equals(sqlState)) {
            return "permission denied";
        }
        return sqlState.length() == 5 ? ENVIRONMENT_CLASSES.get(sqlState.substring(0, 2)) : null;
    }

    /**
     * Wraps a failure of {@code operation} on {@code store}: failures of the environment in a
     * {@link TransientStoreException}, others in a {@link LockstepException}; Lockstep's own exceptions
     * pass through unchanged.
     */
    public static RuntimeException translate(String store, String operation, Throwable failure) {
        if (failure instanceof TransientStoreException transientFailure) {
            return transientFailure;
        }
        String reason = environmentReason(failure);
        if (reason != null) {
            return new TransientStoreException(
                    store + ": " + operation + " failed because " + reason
                            + ", which is no event's fault; retried until it is fixed: " + failure + hint(failure),
                    failure);
        }
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new LockstepException(store + ": " + operation + " failed: " + failure, failure);
    }

    private static String hint(Throwable failure) {
        return switch (sqlState(failure)) {
            case "42P01", "3F000" ->
                ". If Lockstep's own tables are missing, run LockstepMigrations.migrate(dataSource)";
            case "42501" -> ". Grant what the role needs (see the README's grants) and the runner goes on by itself";
            case "55P03", "57014" ->
                ". A lock wait or statement ran into the store's lock or statement timeout"
                        + " (PostgresProjectionStore.builder(...).lockTimeout/statementTimeout); find the session that"
                        + " holds the lock (pg_locks, pg_stat_activity)";
            default -> "";
        };
    }

    /** @return the SQLState of the first {@link SQLException} in the cause chain that has one, or "" */
    public static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return "";
    }
}
