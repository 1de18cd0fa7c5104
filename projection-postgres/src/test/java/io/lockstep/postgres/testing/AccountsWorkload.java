package io.lockstep.postgres.testing;

import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The accounts workload of the crash test and the replay benchmark: {@code accounts} accounts opened
 * first, then deposits and withdrawals (one in four) on pseudo-random accounts, {@code events} in all.
 * Seeded in SQL, so 1,000,000 events take seconds; deterministic for given sizes.
 */
public final class AccountsWorkload {

    /** An account was opened with an initial deposit, in cents. */
    public record AccountOpened(String accountId, long initialDeposit) {}

    /** Money came in, in cents. */
    public record FundsDeposited(String accountId, long amount) {}

    /** Money went out, in cents. */
    public record FundsWithdrawn(String accountId, long amount) {}

    /** The type registry of {@link TableEventSource} for this workload. */
    public static final Map<String, Class<?>> TYPES = Map.of(
            "AccountOpened", AccountOpened.class,
            "FundsDeposited", FundsDeposited.class,
            "FundsWithdrawn", FundsWithdrawn.class);

    /** DDL of the read model both the projection and the baselines write. */
    public static final String READ_MODEL_DDL = """
            CREATE TABLE IF NOT EXISTS account_balance (
                account_id text PRIMARY KEY,
                balance    bigint NOT NULL,
                events     bigint NOT NULL) WITH (fillfactor = 50)""";

    private AccountsWorkload() {}

    /** Creates {@code test_events} and the read model, and appends the workload's events. */
    public static void seed(TestDatabase db, int accounts, int events) {
        db.execute(TableEventSource.DDL, READ_MODEL_DDL);
        long start = db.queryLong("SELECT coalesce(max(position), -1) + 1 FROM test_events");
        db.execute(
                """
                INSERT INTO test_events (position, stream_id, stream_version, event_type, payload)
                SELECT g, 'acc-' || g, 0, 'AccountOpened',
                       jsonb_build_object('accountId', 'acc-' || g, 'initialDeposit', 1000)
                FROM generate_series(%d::bigint, %d::bigint) g""".formatted(start, start + accounts - 1),
                """
                INSERT INTO test_events (position, stream_id, stream_version, event_type, payload)
                SELECT g, 'acc-' || a, 1 + g,
                       CASE WHEN g %% 4 = 0 THEN 'FundsWithdrawn' ELSE 'FundsDeposited' END,
                       jsonb_build_object('accountId', 'acc-' || a, 'amount', 1 + (g * 7919) %% 1000)
                FROM (SELECT g, %d + ((g * 2654435761) %% %d) AS a FROM generate_series(%d::bigint, %d::bigint) g) s""".formatted(start, accounts, start + accounts, start + events - 1),
                "ANALYZE test_events");
    }

    /** Appends {@code count} deposits of 1 cent after the current head, to existing accounts. */
    public static void appendDeposits(TestDatabase db, int count) {
        db.execute("""
                INSERT INTO test_events (position, stream_id, stream_version, event_type, payload)
                SELECT h.p + g, s.stream_id, 1000000 + h.p + g, 'FundsDeposited',
                       jsonb_build_object('accountId', s.stream_id, 'amount', 1)
                FROM (SELECT max(position) AS p FROM test_events) h, generate_series(1, %d) g,
                     LATERAL (SELECT stream_id FROM test_events WHERE event_type = 'AccountOpened'
                              ORDER BY position OFFSET (g %% 10) LIMIT 1) s""".formatted(count));
    }

    /**
     * Folds the events independently of any projection code: the balance and event count each account
     * must end with.
     */
    public static Map<String, long[]> expectedBalances(DataSource dataSource) {
        return expectedBalances(dataSource, "true");
    }

    /** Like {@link #expectedBalances(DataSource)}, over the events that match the SQL condition {@code where}. */
    public static Map<String, long[]> expectedBalances(DataSource dataSource, String where) {
        Map<String, long[]> expected = new HashMap<>();
        String sql = """
                SELECT payload->>'accountId',
                       sum(CASE event_type WHEN 'AccountOpened' THEN (payload->>'initialDeposit')::bigint
                                           WHEN 'FundsDeposited' THEN (payload->>'amount')::bigint
                                           ELSE -(payload->>'amount')::bigint END),
                       count(*)
                FROM test_events WHERE %s GROUP BY 1""".formatted(where);
        return query(dataSource, sql, expected);
    }

    /** Reads the read model: account id to {balance, events}. */
    public static Map<String, long[]> actualBalances(DataSource dataSource) {
        return query(dataSource, "SELECT account_id, balance, events FROM account_balance", new HashMap<>());
    }

    /**
     * Compares the read model with the fold of the events matching {@code where}.
     *
     * @return the first differences, at most 10, as readable lines; empty when they agree
     */
    public static java.util.List<String> mismatches(DataSource dataSource, String where) {
        Map<String, long[]> expected = expectedBalances(dataSource, where);
        Map<String, long[]> actual = actualBalances(dataSource);
        java.util.List<String> differences = new java.util.ArrayList<>();
        java.util.Set<String> accounts = new java.util.TreeSet<>(expected.keySet());
        accounts.addAll(actual.keySet());
        for (String account : accounts) {
            long[] want = expected.get(account);
            long[] got = actual.get(account);
            if (want == null || got == null || want[0] != got[0] || want[1] != got[1]) {
                differences.add(account + ": expected " + describe(want) + ", read model has " + describe(got));
            }
        }
        return differences.size() <= 10 ? differences : java.util.List.copyOf(differences.subList(0, 10));
    }

    /** Compares the read model with the fold of all events; see {@link #mismatches(DataSource, String)}. */
    public static java.util.List<String> mismatches(DataSource dataSource) {
        return mismatches(dataSource, "true");
    }

    private static String describe(long[] row) {
        return row == null ? "no row" : "balance " + row[0] + " after " + row[1] + " events";
    }

    private static Map<String, long[]> query(DataSource dataSource, String sql, Map<String, long[]> into) {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                into.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
            }
            return into;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }
}
