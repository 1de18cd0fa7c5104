package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.InMemoryEventSource;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import io.lockstep.projection.StatementMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batched mode holds writes back and pipelines them; this checks, for random interleavings of inserts,
 * upserts, updates of one row and of ranges, deletes, reads and the odd savepoint, plain statement or JDBC
 * batch, over several tables and statement shapes, issued through jOOQ, statement templates and plain JDBC
 * at random, that the read model after the batched mode equals the one after the same handlers with every
 * statement run at once (IMMEDIATE), and that every read inside a handler saw the same rows in both modes:
 * the earlier writes of its batch. The operations do not commute (a product after a sum, text appended,
 * serial numbers handed out in order), so a reordering would show.
 */
class HeldBackStatementsPropertyTest {

    /** One event: an operation on the read model, issued through one of the three ways of writing SQL. */
    record Op(Kind kind, Api api, int key, long value, String text) {}

    enum Api {
        DSL,
        TEMPLATE,
        JDBC
    }

    /** What an event does; the SQL takes the table prefix as %1$s and jOOQ-style placeholders {0}, {1}... */
    enum Kind {
        UPSERT(
                "INSERT INTO %1$s_item AS t (id, v, tag) VALUES ({0}, {1}, {2}) ON CONFLICT (id) DO UPDATE"
                        + " SET v = t.v * 3 + excluded.v, tag = t.tag || excluded.tag",
                op -> new Object[] {op.key(), op.value(), op.text()}),
        ADD("UPDATE %1$s_item SET v = v + {0} WHERE id = {1}", op -> new Object[] {op.value(), op.key()}),
        SCALE_RANGE(
                "UPDATE %1$s_item SET v = v * 2 - {0}, tag = tag || '*' WHERE id BETWEEN {1} AND {2}",
                op -> new Object[] {op.value(), op.key(), op.key() + 4}),
        DELETE("DELETE FROM %1$s_item WHERE id = {0}", op -> new Object[] {op.key()}),
        LABEL(
                "INSERT INTO %1$s_label AS t (name, s) VALUES ({0}, {1}) ON CONFLICT (name) DO UPDATE"
                        + " SET s = t.s || ',' || excluded.s",
                op -> new Object[] {op.text(), Long.toString(op.value())}),
        LOG("INSERT INTO %1$s_log (source, note) VALUES ({0}, {1})", op -> new Object[] {(long) op.key(), op.text()}),
        READ_ROW("SELECT v, tag FROM %1$s_item WHERE id = {0}", op -> new Object[] {op.key()}),
        READ_ALL(
                "SELECT count(*), coalesce(sum(v), 0), (SELECT coalesce(max(seq), 0) FROM %1$s_log),"
                        + " (SELECT string_agg(name || '=' || s, '|' ORDER BY name) FROM %1$s_label) FROM %1$s_item",
                op -> new Object[0]),
        WRITE_THEN_READ(null, null),
        SAVEPOINT(null, null),
        PLAIN_STATEMENT(null, null),
        JDBC_BATCH(null, null),
        MANY_WRITES(null, null);

        private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)}");

        final String sql;
        final Function<Op, Object[]> args;

        Kind(String sql, Function<Op, Object[]> args) {
            this.sql = sql;
            this.args = args;
        }

        String jooq(String prefix) {
            return sql.formatted(prefix);
        }

        String jdbc(String prefix) {
            return PLACEHOLDER.matcher(jooq(prefix)).replaceAll("?");
        }

        StatementTemplate template(String prefix, Op sample) {
            Matcher matcher = PLACEHOLDER.matcher(jooq(prefix));
            Object[] values = args.apply(sample);
            List<Object> parts = new ArrayList<>();
            while (matcher.find()) {
                int index = Integer.parseInt(matcher.group(1));
                parts.add(DSL.param("p" + index, values[index].getClass()));
            }
            return StatementTemplate.of(DSL.resultQuery(jooq(prefix), parts.toArray(new org.jooq.QueryPart[0])));
        }
    }

    private static final Field<Integer> ID = field(name("id"), Integer.class);
    private static final Field<Long> V = field(name("v"), Long.class);

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass();

    private static final Map<String, StatementTemplate> TEMPLATES = new ConcurrentHashMap<>();

    @BeforeAll
    static void createTables() {
        for (String prefix : List.of("fast", "slow")) {
            db.execute(
                    "CREATE TABLE " + prefix + "_item (id int PRIMARY KEY, v bigint NOT NULL, tag text NOT NULL)",
                    "CREATE TABLE " + prefix + "_label (name text PRIMARY KEY, s text NOT NULL)",
                    "CREATE TABLE " + prefix + "_log (seq bigserial PRIMARY KEY, source bigint NOT NULL, note text)");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void batchedModeEqualsOneByOneAndReadsSeeEarlierWrites(long seed) throws Exception {
        // given
        SplittableRandom random = new SplittableRandom(seed);
        InMemoryEventSource source = new InMemoryEventSource();
        for (int i = 0; i < 300; i++) {
            source.append("ops", randomOp(random));
        }
        int batchSize = List.of(3, 7, 50, 300).get(random.nextInt(4));
        PostgresProjectionStore store =
                PostgresProjectionStore.builder(db.dataSource()).build();
        db.execute(
                "TRUNCATE fast_item, fast_label, slow_item, slow_label",
                "TRUNCATE fast_log, slow_log RESTART IDENTITY");

        // when
        List<String> fastReads = replay(store, source, "fast", StatementMode.BATCHED, batchSize, seed);
        List<String> slowReads = replay(store, source, "slow", StatementMode.IMMEDIATE, batchSize, seed);

        // then
        assertThat(fastReads).as("reads, batch size %d", batchSize).isNotEmpty().isEqualTo(slowReads);
        for (String table : List.of("item ORDER BY id", "label ORDER BY name", "log ORDER BY seq")) {
            assertThat(rows("SELECT * FROM fast_" + table))
                    .as("table %s, batch size %d", table, batchSize)
                    .isEqualTo(rows("SELECT * FROM slow_" + table));
        }
        assertThat(rows("SELECT * FROM fast_item")).isNotEmpty();
    }

    private static Op randomOp(SplittableRandom random) {
        Kind[] kinds = Kind.values();
        Kind kind = random.nextInt(100) == 0 ? Kind.MANY_WRITES : kinds[random.nextInt(kinds.length - 1)];
        return new Op(
                kind,
                Api.values()[random.nextInt(3)],
                random.nextInt(30),
                1 + random.nextInt(100),
                String.valueOf((char) ('a' + random.nextInt(5))));
    }

    private List<String> replay(
            PostgresProjectionStore store,
            InMemoryEventSource source,
            String prefix,
            StatementMode mode,
            int batchSize,
            long seed)
            throws InterruptedException {
        List<String> reads = new ArrayList<>();
        Projection<PostgresTransaction> projection = Projection.<PostgresTransaction>builder(prefix + "-" + seed)
                .on(Op.class, (op, envelope, tx) -> apply(op, prefix, tx, reads, envelope.position()))
                .statementMode(mode)
                .build();
        ProjectionRunner.builder(projection, store, source)
                .batchSize(batchSize)
                .build()
                .catchUp();
        return reads;
    }

    private void apply(Op op, String prefix, PostgresTransaction tx, List<String> reads, long position)
            throws SQLException {
        switch (op.kind()) {
            case READ_ROW, READ_ALL -> reads.add(position + " " + read(op, op.kind(), prefix, tx));
            case WRITE_THEN_READ -> {
                write(op, Kind.ADD, prefix, tx);
                reads.add(position + " own write " + read(op, Kind.READ_ROW, prefix, tx));
            }
            case SAVEPOINT -> reads.add(position + " savepoint " + savepoint(op, prefix, tx));
            case PLAIN_STATEMENT -> {
                try (Statement statement = tx.connection().createStatement()) {
                    statement.executeUpdate("UPDATE " + prefix + "_item SET v = v - 1 WHERE id = " + op.key());
                }
            }
            case JDBC_BATCH -> {
                try (PreparedStatement statement = tx.connection().prepareStatement(Kind.ADD.jdbc(prefix))) {
                    for (int key : new int[] {op.key(), op.key() + 1}) {
                        statement.setLong(1, op.value());
                        statement.setInt(2, key);
                        statement.addBatch();
                    }
                    statement.executeBatch();
                }
            }
            case MANY_WRITES -> {
                for (int i = 0; i < StatementPipeline.MAX_PENDING + 200; i++) {
                    write(new Op(Kind.LOG, op.api(), i, 0, "many"), Kind.LOG, prefix, tx);
                }
            }
            default -> write(op, op.kind(), prefix, tx);
        }
    }

    private static void write(Op op, Kind kind, String prefix, PostgresTransaction tx) throws SQLException {
        Object[] args = kind.args.apply(op);
        switch (op.api()) {
            case DSL -> {
                if (kind == Kind.ADD) {
                    Table<Record> item = table(name(prefix + "_item"));
                    tx.dsl()
                            .update(item)
                            .set(V, V.plus(op.value()))
                            .where(ID.eq(op.key()))
                            .execute();
                } else {
                    tx.dsl().execute(kind.jdbc(prefix), args);
                }
            }
            case TEMPLATE -> tx.execute(template(kind, prefix, op), args);
            case JDBC -> {
                try (PreparedStatement statement = tx.connection().prepareStatement(kind.jdbc(prefix))) {
                    for (int i = 0; i < args.length; i++) {
                        statement.setObject(i + 1, args[i]);
                    }
                    statement.executeUpdate();
                }
            }
        }
    }

    private static String read(Op op, Kind kind, String prefix, PostgresTransaction tx) throws SQLException {
        Object[] args = kind.args.apply(op);
        List<? extends List<?>> rows = switch (op.api()) {
            case DSL ->
                Arrays.stream(tx.dsl().fetch(kind.jdbc(prefix), args).intoArrays())
                        .map(Arrays::asList)
                        .toList();
            case TEMPLATE ->
                tx.fetch(template(kind, prefix, op), args).stream()
                        .map(record -> Arrays.asList(record.intoArray()))
                        .toList();
            case JDBC -> {
                try (PreparedStatement statement = tx.connection().prepareStatement(kind.jdbc(prefix))) {
                    for (int i = 0; i < args.length; i++) {
                        statement.setObject(i + 1, args[i]);
                    }
                    try (ResultSet result = statement.executeQuery()) {
                        yield rows(result);
                    }
                }
            }
        };
        return rows.toString();
    }

    /** A nested jOOQ transaction logs a line; an even value rolls it back. */
    private static String savepoint(Op op, String prefix, PostgresTransaction tx) {
        try {
            tx.dsl().transaction(nested -> {
                nested.dsl().execute(Kind.LOG.jdbc(prefix), (long) op.key(), "nested");
                if (op.value() % 2 == 0) {
                    throw new IllegalStateException("roll back");
                }
            });
            return "kept";
        } catch (IllegalStateException e) {
            return "rolled back";
        }
    }

    private static StatementTemplate template(Kind kind, String prefix, Op op) {
        return TEMPLATES.computeIfAbsent(kind + prefix, key -> kind.template(prefix, op));
    }

    private static List<List<Object>> rows(String sql) throws SQLException {
        try (var connection = db.dataSource().getConnection();
                var statement = connection.createStatement();
                var result = statement.executeQuery(sql)) {
            return rows(result);
        }
    }

    private static List<List<Object>> rows(ResultSet result) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        while (result.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                row.add(result.getObject(i));
            }
            rows.add(row);
        }
        return rows;
    }
}
