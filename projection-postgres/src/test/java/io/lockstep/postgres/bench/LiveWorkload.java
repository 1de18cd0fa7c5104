package io.lockstep.postgres.bench;

import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * The replay benchmark's workload: accounts in the order a live system writes their events. Account
 * openings are spread over the first three quarters of the log and interleaved with deposits (60%),
 * withdrawals (39%, never more than the balance) and closes (1%) of accounts opened earlier, chosen at
 * random; a closed account gets no more events. So consecutive events rarely share an account or a
 * statement: a 1,000-event batch holds about 500 runs of one event type.
 *
 * <p>Deterministic for given sizes. The events are written to {@code test_events} with COPY, streamed
 * (1,000,000 events fit the benchmark's 256 MiB heap), and folded on the way into the read model every
 * contender must end with.
 */
final class LiveWorkload {

    /** An account was opened with an initial deposit, in cents. */
    record AccountOpened(String accountId, String owner, long initialDeposit) {}

    /** Money came in, in cents. */
    record FundsDeposited(String accountId, long amount) {}

    /** Money went out, in cents. */
    record FundsWithdrawn(String accountId, long amount) {}

    /** The account was closed; it takes no more events. */
    record AccountClosed(String accountId) {}

    /** The type registry of {@link TableEventSource}. */
    static final Map<String, Class<?>> TYPES = Map.of(
            "AccountOpened", AccountOpened.class,
            "FundsDeposited", FundsDeposited.class,
            "FundsWithdrawn", FundsWithdrawn.class,
            "AccountClosed", AccountClosed.class);

    /** The read model every contender writes: default table storage, as a user would create it. */
    static final String READ_MODEL_DDL = """
            CREATE TABLE IF NOT EXISTS account_balance (
                account_id text    PRIMARY KEY,
                owner      text    NOT NULL,
                balance    bigint  NOT NULL,
                events     bigint  NOT NULL,
                closed     boolean NOT NULL)""";

    /** Share of the log over which the accounts are opened. */
    private static final double OPENING_SPAN = 0.75;

    private static final int COPY_CHUNK = 10_000;

    /**
     * One account's row in the read model.
     *
     * @param values balance, events, closed (1 or 0)
     */
    record Row(String owner, long[] values) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Row row && row.owner.equals(owner) && Arrays.equals(row.values, values);
        }

        @Override
        public int hashCode() {
            return owner.hashCode() * 31 + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return owner + " balance " + values[0] + " after " + values[1] + " events"
                    + (values[2] == 1 ? ", closed" : "");
        }
    }

    /**
     * What was seeded.
     *
     * @param head     the last position
     * @param expected the read model after all events: account id to row
     * @param runs     runs of consecutive events of one type, over the whole log
     * @param counts   events per type name
     */
    record Seeded(long head, Map<String, Row> expected, long runs, Map<String, Long> counts) {}

    private LiveWorkload() {}

    /** Creates {@code test_events} and the read model, and writes {@code events} events over {@code accounts}. */
    static Seeded seed(TestDatabase db, int accounts, int events) throws SQLException, IOException {
        db.execute(TableEventSource.DDL, READ_MODEL_DDL);
        Generator generator = new Generator(accounts, events);
        try (Connection connection = db.dataSource().getConnection()) {
            var copy = connection.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder chunk = new StringBuilder();
            for (int position = 0; position < events; position++) {
                generator.next(position, chunk);
                if ((position + 1) % COPY_CHUNK == 0 || position == events - 1) {
                    copy.copyIn(
                            "COPY test_events (position, stream_id, stream_version, event_type, payload)"
                                    + " FROM STDIN",
                            new StringReader(chunk.toString()));
                    chunk.setLength(0);
                }
            }
        }
        db.execute("ANALYZE test_events");
        return new Seeded(events - 1L, generator.rows, generator.runs, generator.counts);
    }

    /**
     * @return the read model after the events up to {@code last} of the workload {@code seed} wrote with
     *         the same sizes (the generator runs again; nothing is read)
     */
    static Map<String, Row> expectedAfter(int accounts, int events, long last) {
        Generator generator = new Generator(accounts, events);
        StringBuilder scratch = new StringBuilder();
        for (int position = 0; position <= last; position++) {
            generator.next(position, scratch);
            scratch.setLength(0);
        }
        return generator.rows;
    }

    /** Reads the read model: account id to row. */
    static Map<String, Row> actual(DataSource dataSource) throws SQLException {
        Map<String, Row> rows = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT account_id, owner, balance, events, closed FROM account_balance")) {
            while (result.next()) {
                rows.put(result.getString(1), new Row(result.getString(2), new long[] {
                    result.getLong(3), result.getLong(4), result.getBoolean(5) ? 1 : 0
                }));
            }
        }
        return rows;
    }

    /** Makes the events, one at a time, in COPY's text format, and folds them. Not thread-safe. */
    private static final class Generator {
        private static final String[] OWNERS = {
            "ada",
            "grace",
            "alan",
            "edsger",
            "barbara",
            "donald",
            "tony",
            "margaret",
            "ken",
            "dennis",
            "leslie",
            "niklaus"
        };

        private final SplittableRandom random = new SplittableRandom(20_240_601L);
        private final int accounts;
        private final int events;
        private final Map<String, Row> rows = new HashMap<>();
        private final Map<String, Long> counts = new HashMap<>();
        /** Open accounts, by index; a closed one is swapped out. */
        private final List<String> open = new ArrayList<>();

        private int opened;
        private long runs;
        private String previousType;

        Generator(int accounts, int events) {
            this.accounts = accounts;
            this.events = events;
        }

        void next(int position, StringBuilder out) {
            String type;
            String accountId;
            String payload;
            if (opened < accounts && (open.isEmpty() || opensAt(position))) {
                accountId = "acc-" + opened++;
                String owner = OWNERS[random.nextInt(OWNERS.length)] + "-" + random.nextInt(1000);
                long deposit = 100 + random.nextInt(100_000);
                rows.put(accountId, new Row(owner, new long[] {deposit, 1, 0}));
                open.add(accountId);
                type = "AccountOpened";
                payload = "{\"accountId\": \"" + accountId + "\", \"owner\": \"" + owner + "\", \"initialDeposit\": "
                        + deposit + "}";
            } else {
                int index = random.nextInt(open.size());
                accountId = open.get(index);
                long[] row = rows.get(accountId).values();
                int dice = random.nextInt(100);
                if (dice == 0 && open.size() > 1) {
                    open.set(index, open.getLast());
                    open.removeLast();
                    row[1]++;
                    row[2] = 1;
                    type = "AccountClosed";
                    payload = "{\"accountId\": \"" + accountId + "\"}";
                } else if (dice < 40 && row[0] > 0) {
                    long amount = 1 + random.nextLong(Math.min(row[0], 50_000));
                    row[0] -= amount;
                    row[1]++;
                    type = "FundsWithdrawn";
                    payload = "{\"accountId\": \"" + accountId + "\", \"amount\": " + amount + "}";
                } else {
                    long amount = 1 + random.nextInt(50_000);
                    row[0] += amount;
                    row[1]++;
                    type = "FundsDeposited";
                    payload = "{\"accountId\": \"" + accountId + "\", \"amount\": " + amount + "}";
                }
            }
            long version = rows.get(accountId).values()[1] - 1;
            out.append(position)
                    .append('\t')
                    .append(accountId)
                    .append('\t')
                    .append(version)
                    .append('\t')
                    .append(type)
                    .append('\t')
                    .append(payload)
                    .append('\n');
            counts.merge(type, 1L, Long::sum);
            if (!type.equals(previousType)) {
                runs++;
                previousType = type;
            }
        }

        /** Opens the k-th account at about position k * span / accounts, so openings spread evenly. */
        private boolean opensAt(int position) {
            return position >= (long) opened * (long) (events * OPENING_SPAN) / accounts;
        }
    }
}
