package io.lockstep.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Runs work on a connection from a {@link DataSource} in auto-commit mode and closes it afterwards; failures are
 * translated by {@link SqlFailures} in the name of the store. Thread-safe. Shared by the projection store and the
 * event log; not an API.
 */
public final class JdbcConnections {

    private final DataSource dataSource;
    private final String storeName;

    /**
     * @param dataSource where connections come from
     * @param storeName  the store's name for error messages, e.g. {@code PostgreSQL store 'lockstep'}
     */
    public JdbcConnections(DataSource dataSource, String storeName) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.storeName = Objects.requireNonNull(storeName, "storeName");
    }

    /** @return the store's name used in error messages */
    public String storeName() {
        return storeName;
    }

    /** Runs {@code work} with a fresh connection in auto-commit mode: one statement, one transaction. */
    public <R> R withConnection(String operation, ConnectionWork<R> work) {
        Connection connection = open();
        try {
            // Pools may hand out connections with auto-commit off; these calls must commit on their own.
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
            return work.run(connection);
        } catch (Throwable failure) {
            throw SqlFailures.translate(storeName, operation, failure);
        } finally {
            close(connection);
        }
    }

    /** @return a connection from the data source; a failure is translated (transient when the server is away) */
    public Connection open() {
        try {
            return dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            throw SqlFailures.translate(storeName, "opening a connection", e);
        }
    }

    /** Closes {@code connection}, ignoring a failure: the work on it has ended either way. */
    public static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The transaction already ended; a pool that cannot take the connection back discards it.
        }
    }

    /** Work on a connection. */
    @FunctionalInterface
    public interface ConnectionWork<R> {
        R run(Connection connection) throws Exception;
    }
}
