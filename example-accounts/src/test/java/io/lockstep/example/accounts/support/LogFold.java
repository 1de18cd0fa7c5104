package io.lockstep.example.accounts.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The accounts read models recomputed from the event log in the test, independently of the projection: plain
 * SQL reads of {@code lockstep.events} joined to {@code lockstep.event_log} in position order, folded in Java.
 * While folding it checks the account streams' rules: each stream starts with {@code AccountCreated} at
 * version 0, versions follow each other in position order, no balance ever goes negative, nothing follows an
 * {@code AccountClosed}.
 */
public final class LogFold {

    /** A row of {@code account_balance}. */
    public record AccountRow(
            String accountId,
            String owner,
            long balance,
            int transactions,
            boolean closed,
            long lastPosition,
            Instant lastUpdatedAt) {}

    /** A row of {@code owner_summary}. */
    public record OwnerRow(
            String owner, int openAccounts, long totalBalance, long lastPosition, Instant lastUpdatedAt) {}

    private static final String EVENTS_IN_POSITION_ORDER = """
            SELECT l.position, e.stream_id, e.stream_version, e.event_type, e.recorded_at,
                   e.payload->>'accountId' AS account_id, e.payload->>'owner' AS owner,
                   coalesce((e.payload->>'initialDeposit')::bigint, (e.payload->>'amount')::bigint) AS amount
              FROM lockstep.event_log l JOIN lockstep.events e ON e.id = l.event_id
             ORDER BY l.position""";

    private static final int SHOWN_DIFFERENCES = 20;

    private final Map<String, AccountRow> accounts = new TreeMap<>();
    private final Map<String, OwnerRow> owners = new TreeMap<>();
    private final Map<String, Long> streamVersions = new HashMap<>();
    private final Map<String, Long> eventTypes = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();

    private LogFold() {}

    /** Reads every sequenced event in position order and folds it. */
    public static LogFold of(DataSource dataSource) {
        LogFold fold = new LogFold();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false); // lets the driver stream the rows with a fetch size
            statement.setFetchSize(5_000);
            try (ResultSet rows = statement.executeQuery(EVENTS_IN_POSITION_ORDER)) {
                while (rows.next()) {
                    fold.apply(rows);
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the event log: " + e.getMessage(), e);
        }
        return fold;
    }

    /** @return {@code account_balance} as the log says it should be, by account id */
    public Map<String, AccountRow> accounts() {
        return accounts;
    }

    /** @return {@code owner_summary} as the log says it should be, by owner */
    public Map<String, OwnerRow> owners() {
        return owners;
    }

    /** @return how many events of each type the log holds */
    public Map<String, Long> eventTypes() {
        return eventTypes;
    }

    /** @return every broken stream rule, one line each; empty when the write side kept them all */
    public List<String> violations() {
        return violations;
    }

    private void apply(ResultSet row) throws SQLException {
        long position = row.getLong("position");
        String stream = row.getString("stream_id");
        long version = row.getLong("stream_version");
        String type = row.getString("event_type");
        Instant at = row.getObject("recorded_at", OffsetDateTime.class).toInstant();
        String id = row.getString("account_id");
        long amount = row.getLong("amount");
        eventTypes.merge(type, 1L, Long::sum);

        long expectedVersion = streamVersions.getOrDefault(stream, -1L) + 1;
        streamVersions.put(stream, version);
        String where = "position " + position + " (" + type + ", " + stream + " v" + version + ")";
        if (version != expectedVersion) {
            violations.add(where + ": expected stream version " + expectedVersion);
        }
        if (!stream.equals("account-" + id)) {
            violations.add(where + ": the payload names account " + id);
        }
        AccountRow account = accounts.get(id);
        if (type.equals("AccountCreated")) {
            if (account != null) {
                violations.add(where + ": the account exists already");
                return;
            }
            String owner = row.getString("owner");
            accounts.put(id, new AccountRow(id, owner, amount, 1, false, position, at));
            OwnerRow before = owners.get(owner);
            owners.put(
                    owner,
                    before == null
                            ? new OwnerRow(owner, 1, amount, position, at)
                            : new OwnerRow(
                                    owner, before.openAccounts() + 1, before.totalBalance() + amount, position, at));
            return;
        }
        if (account == null) {
            violations.add(where + ": no AccountCreated before it");
            return;
        }
        if (account.closed()) {
            violations.add(where + ": the account was closed at position " + account.lastPosition());
        }
        OwnerRow owner = Objects.requireNonNull(owners.get(account.owner()));
        switch (type) {
            case "FundsDeposited", "FundsWithdrawn" -> {
                long delta = type.equals("FundsDeposited") ? amount : -amount;
                long balance = account.balance() + delta;
                if (balance < 0) {
                    violations.add(where + ": the balance went negative: " + balance);
                }
                accounts.put(
                        id,
                        new AccountRow(
                                id,
                                account.owner(),
                                balance,
                                account.transactions() + 1,
                                account.closed(),
                                position,
                                at));
                owners.put(
                        owner.owner(),
                        new OwnerRow(owner.owner(), owner.openAccounts(), owner.totalBalance() + delta, position, at));
            }
            case "AccountClosed" -> {
                accounts.put(
                        id,
                        new AccountRow(
                                id, account.owner(), account.balance(), account.transactions(), true, position, at));
                owners.put(
                        owner.owner(),
                        new OwnerRow(owner.owner(), owner.openAccounts() - 1, owner.totalBalance(), position, at));
            }
            default -> violations.add(where + ": unknown event type");
        }
    }

    /** @return {@code account_balance} as the projection left it, by account id */
    public static Map<String, AccountRow> accountBalance(DataSource dataSource) {
        Map<String, AccountRow> rows = new TreeMap<>();
        query(
                dataSource,
                "SELECT * FROM account_balance",
                row -> rows.put(
                        row.getString("account_id"),
                        new AccountRow(
                                row.getString("account_id"),
                                row.getString("owner"),
                                row.getLong("balance"),
                                row.getInt("transactions"),
                                row.getBoolean("closed"),
                                row.getLong("last_position"),
                                row.getObject("last_updated_at", OffsetDateTime.class)
                                        .toInstant())));
        return rows;
    }

    /** @return {@code owner_summary} as the projection left it, by owner */
    public static Map<String, OwnerRow> ownerSummary(DataSource dataSource) {
        Map<String, OwnerRow> rows = new TreeMap<>();
        query(
                dataSource,
                "SELECT * FROM owner_summary",
                row -> rows.put(
                        row.getString("owner"),
                        new OwnerRow(
                                row.getString("owner"),
                                row.getInt("open_accounts"),
                                row.getLong("total_balance"),
                                row.getLong("last_position"),
                                row.getObject("last_updated_at", OffsetDateTime.class)
                                        .toInstant())));
        return rows;
    }

    /**
     * @return one line per key whose rows differ (missing, unexpected, or expected and actual side by side),
     *         the first {@value #SHOWN_DIFFERENCES} and a count of the rest; empty when the maps are equal
     */
    public static <V> List<String> differences(Map<String, V> expected, Map<String, V> actual) {
        List<String> differences = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        int more = 0;
        for (String key : keys) {
            V wanted = expected.get(key);
            V found = actual.get(key);
            if (Objects.equals(wanted, found)) {
                continue;
            }
            if (differences.size() < SHOWN_DIFFERENCES) {
                differences.add(key + ":\n  expected " + wanted + "\n  actual   " + found);
            } else {
                more++;
            }
        }
        if (more > 0) {
            differences.add("... and " + more + " more");
        }
        return differences;
    }

    private interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    private static void query(DataSource dataSource, String sql, RowReader reader) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                reader.read(rows);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test SQL failed: " + sql + ": " + e.getMessage(), e);
        }
    }
}
