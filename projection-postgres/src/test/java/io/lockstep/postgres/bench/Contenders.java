package io.lockstep.postgres.bench;

import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.testing.AccountsProjection;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Names the contenders of the replay benchmark and builds the ones asked for. */
final class Contenders {

    static final String JDBC_PER_EVENT = "jdbc-per-event";
    static final String JDBC_BATCH = "jdbc-batch";
    static final String JDBC_FOLD = "jdbc-fold";
    static final String LOCKSTEP_PER_EVENT = "lockstep-per-event";
    static final String LOCKSTEP_FOLDED = "lockstep-folded";
    /** Per-event handlers whose jOOQ statements are rendered once ({@code StatementTemplate}). */
    static final String LOCKSTEP_TEMPLATED = "lockstep-templated";

    /** Every contender, in the order a round runs them (rotated by one each round). */
    static final List<String> ALL = List.of(JDBC_PER_EVENT, JDBC_BATCH, JDBC_FOLD, LOCKSTEP_PER_EVENT,
            LOCKSTEP_FOLDED, LOCKSTEP_TEMPLATED);

    private Contenders() {
    }

    /**
     * Builds the contenders named in {@code names} at {@code batchSize}, then one {@code lockstep-per-event}
     * per size of {@code sweep} (named {@code lockstep-per-event@<size>}).
     */
    static List<Contender> create(List<String> names, int batchSize, List<Integer> sweep, DataSource dataSource,
                                  PostgresProjectionStore store) {
        List<Contender> contenders = new ArrayList<>();
        for (String name : ALL) {
            if (names.contains(name)) {
                contenders.add(create(name, batchSize, dataSource, store));
            }
        }
        for (int size : sweep) {
            String name = LOCKSTEP_PER_EVENT + "@" + size;
            contenders.add(new LockstepReplay(name, AccountsProjection.perEvent("bench-" + name), store, size));
        }
        return contenders;
    }

    private static Contender create(String name, int batchSize, DataSource dataSource,
                                    PostgresProjectionStore store) {
        return switch (name) {
            case JDBC_PER_EVENT -> new JdbcPerEventReplay(dataSource, batchSize);
            case JDBC_BATCH -> new JdbcBatchReplay(dataSource, batchSize);
            case JDBC_FOLD -> new JdbcFoldReplay(dataSource, batchSize);
            case LOCKSTEP_PER_EVENT -> new LockstepReplay(name, AccountsProjection.perEvent("bench-" + name), store,
                    batchSize);
            case LOCKSTEP_FOLDED -> new LockstepReplay(name, AccountsProjection.folded("bench-" + name), store,
                    batchSize);
            case LOCKSTEP_TEMPLATED -> new LockstepReplay(name, AccountsProjection.templated("bench-" + name),
                    store, batchSize);
            default -> throw new IllegalArgumentException("unknown contender '" + name + "'; use one of " + ALL);
        };
    }
}
