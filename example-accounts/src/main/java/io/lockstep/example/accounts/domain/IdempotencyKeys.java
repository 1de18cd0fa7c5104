package io.lockstep.example.accounts.domain;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code idempotency_keys} table (migration {@code V2__idempotency_keys.sql}): per key, the request it was
 * first used for and that request's outcome, either the account stream's version after the append (stored in
 * the append's own transaction) or the refusal. Kept for at least {@link #RETENTION}; {@link #deleteExpired}
 * removes older keys. Blocking (JDBC). Thread-safe.
 */
final class IdempotencyKeys {

    /** How long a key is kept (at least): 24 hours. A retry after that is a new command. */
    static final Duration RETENTION = Duration.ofHours(24);

    /** What a key's first request led to. */
    sealed interface Stored {
        /** @return the request the key was first used for */
        String request();

        /** The request appended: the account's stream was at {@code version} after it. */
        record Appended(String request, String accountId, long version) implements Stored {}

        /** The request was refused by the account's rules. */
        record Refused(String request, String accountId, String kind, String message) implements Stored {}
    }

    private static final String FIND = "SELECT request, account_id, stream_version, refusal, message"
            + " FROM idempotency_keys WHERE idempotency_key = ?";
    private static final String INSERT = "INSERT INTO idempotency_keys (idempotency_key, request, account_id,"
            + " stream_version, refusal, message) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING";
    private static final String DELETE_EXPIRED =
            "DELETE FROM idempotency_keys" + " WHERE created_at < now() - make_interval(secs => ?)";

    private final DataSource dataSource;

    IdempotencyKeys(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return what the key's first request led to, or empty for a key not used (or no longer kept) */
    Optional<Stored> find(IdempotencyKey key) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(FIND)) {
            statement.setString(1, key.value());
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                long version = row.getLong(3);
                return Optional.of(
                        row.wasNull()
                                ? new Stored.Refused(
                                        row.getString(1), row.getString(2), row.getString(4), row.getString(5))
                                : new Stored.Appended(row.getString(1), row.getString(2), version));
            }
        }
    }

    /**
     * Records an append's outcome in the caller's transaction, before the append: a concurrent first use of
     * the same key waits here until the other transaction ends.
     *
     * @return false when the key is taken (the caller rolls back and reads what it holds)
     */
    boolean insertAppended(
            Connection transaction, IdempotencyKey key, AccountCommand command, String accountId, long version)
            throws SQLException {
        return insert(transaction, key, command.request(), accountId, version, null, null);
    }

    /** Records a refusal in a transaction of its own. @return false when the key is taken */
    boolean insertRefused(IdempotencyKey key, AccountCommand command, AccountRejection refusal) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return insert(
                    connection,
                    key,
                    command.request(),
                    refusal.accountId(),
                    null,
                    refusal.kind(),
                    refusal.getMessage());
        }
    }

    /** Removes the keys older than {@code retention}. @return how many */
    int deleteExpired(Duration retention) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(DELETE_EXPIRED)) {
            statement.setDouble(1, retention.toMillis() / 1000.0);
            return statement.executeUpdate();
        }
    }

    private static boolean insert(
            Connection connection,
            IdempotencyKey key,
            String request,
            String accountId,
            Long version,
            String refusal,
            String message)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, key.value());
            statement.setString(2, request);
            statement.setString(3, accountId);
            if (version == null) {
                statement.setNull(4, java.sql.Types.BIGINT);
            } else {
                statement.setLong(4, version);
            }
            statement.setString(5, refusal);
            statement.setString(6, message);
            return statement.executeUpdate() == 1;
        }
    }
}
