package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresProjectionStore;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Names the contenders of the replay benchmark and builds the ones asked for. */
final class Contenders {

    static final String JDBC_PER_EVENT = "jdbc-per-event";
    static final String JDBC_BATCH = "jdbc-batch";
    static final String JDBC_FOLD = "jdbc-fold";
    /** Per-event handlers building jOOQ DSL per event. */
    static final String LOCKSTEP_PER_EVENT = "lockstep-per-event";
    /** Per-event handlers whose jOOQ statements are rendered once ({@code StatementTemplate}). */
    static final String LOCKSTEP_TEMPLATED = "lockstep-templated";
    /** Per-event handlers in plain JDBC on {@code tx.connection()}. */
    static final String LOCKSTEP_JDBC = "lockstep-jdbc";

    static final String LOCKSTEP_FOLDED = "lockstep-folded";
    /** {@code lockstep-templated} with one UPDATE for deposits and withdrawals: the shape advice. */
    static final String LOCKSTEP_ONE_UPDATE = "lockstep-templated-one-update";

    /** The contenders a run measures by default, in the order a round runs them (rotated by one each round). */
    static final List<String> DEFAULT = List.of(
            JDBC_PER_EVENT,
            JDBC_BATCH,
            JDBC_FOLD,
            LOCKSTEP_PER_EVENT,
            LOCKSTEP_TEMPLATED,
            LOCKSTEP_FOLDED,
            LOCKSTEP_JDBC,
            LOCKSTEP_ONE_UPDATE);
    /** Every contender there is: the defaults and {@link PipelineOptions}' diagnostics. */
    static final List<String> ALL = List.of(
            JDBC_PER_EVENT,
            JDBC_BATCH,
            JDBC_FOLD,
            LOCKSTEP_PER_EVENT,
            LOCKSTEP_TEMPLATED,
            LOCKSTEP_FOLDED,
            LOCKSTEP_JDBC,
            LOCKSTEP_ONE_UPDATE,
            PipelineOptions.RUNS,
            PipelineOptions.INLINE,
            PipelineOptions.MULTI_STATEMENT,
            PipelineOptions.PIPELINE);

    private Contenders() {}

    /**
     * Builds the contenders named in {@code names} at {@code batchSize}, then one {@code lockstep-per-event}
     * per size of {@code sweep} (named {@code lockstep-per-event@<size>}).
     */
    static List<Contender> create(
            List<String> names,
            int batchSize,
            List<Integer> sweep,
            DataSource dataSource,
            PostgresProjectionStore store) {
        List<Contender> contenders = new ArrayList<>();
        for (String name : ALL) {
            if (names.contains(name)) {
                contenders.add(create(name, batchSize, dataSource, store));
            }
        }
        for (int size : sweep) {
            String name = LOCKSTEP_PER_EVENT + "@" + size;
            contenders.add(new LockstepReplay(name, LiveProjections.dsl("bench-" + name), store, size));
        }
        return contenders;
    }

    private static Contender create(String name, int batchSize, DataSource dataSource, PostgresProjectionStore store) {
        String checkpoint = "bench-" + name;
        return switch (name) {
            case JDBC_PER_EVENT -> new JdbcPerEventReplay(dataSource, batchSize);
            case JDBC_BATCH -> new JdbcBatchReplay(dataSource, batchSize);
            case JDBC_FOLD -> new JdbcFoldReplay(dataSource, batchSize);
            case LOCKSTEP_PER_EVENT -> new LockstepReplay(name, LiveProjections.dsl(checkpoint), store, batchSize);
            case LOCKSTEP_TEMPLATED ->
                new LockstepReplay(name, LiveProjections.templated(checkpoint), store, batchSize);
            case LOCKSTEP_JDBC -> new LockstepReplay(name, LiveProjections.jdbc(checkpoint), store, batchSize);
            case LOCKSTEP_FOLDED -> new LockstepReplay(name, LiveProjections.folded(checkpoint), store, batchSize);
            case LOCKSTEP_ONE_UPDATE ->
                new LockstepReplay(name, LiveProjections.templatedOneUpdate(checkpoint), store, batchSize);
            case PipelineOptions.RUNS -> new PipelineOptions.Runs(dataSource, batchSize);
            case PipelineOptions.INLINE -> new PipelineOptions.Inline(dataSource, batchSize);
            case PipelineOptions.MULTI_STATEMENT -> new PipelineOptions.MultiStatement(dataSource, batchSize);
            case PipelineOptions.PIPELINE -> new PipelineOptions.Pipeline(dataSource, batchSize);
            default -> throw new IllegalArgumentException("unknown contender '" + name + "'; use one of " + ALL);
        };
    }
}
