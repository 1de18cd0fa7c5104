package io.lockstep.example.accounts.support;

import io.lockstep.example.accounts.app.NodeSettings;
import io.lockstep.example.accounts.domain.AccountEventTypes;
import io.lockstep.example.accounts.readmodel.AccountsProjection;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * How far the partitioned {@code accounts} projection got, seen from a test: through a node that is never
 * started ({@link ProjectionNode#projectedThrough}), and the sums of per-partition metrics from {@code /metrics}.
 */
public final class Projected {

    private Projected() {}

    /**
     * @return whether every committed event has a position and every partition of the projection (in
     *         {@code partitions}) has applied every event up to the head
     */
    public static boolean caughtUp(DataSource dataSource, int partitions) throws Exception {
        try (PostgresEventLog log = PostgresEventLog.builder(dataSource, AccountEventTypes.registry())
                .runSequencer(false)
                .build()) {
            ProjectionNode view = ProjectionNode.builder(
                            dataSource,
                            PostgresProjectionStore.builder(dataSource).build(),
                            log)
                    .projection(AccountsProjection.create(), partitions)
                    .build();
            long head = log.headPosition();
            return unsequenced(dataSource) == 0 && head > 0 && view.projectedThrough(AccountsProjection.NAME) == head;
        }
    }

    /** @see #caughtUp(DataSource, int) with the default partitions */
    public static boolean caughtUp(DataSource dataSource) throws Exception {
        return caughtUp(dataSource, NodeSettings.DEFAULT_PARTITIONS);
    }

    private static long unsequenced(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM lockstep.events)"
                        + " - (SELECT count(*) FROM lockstep.event_log)")) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * @return the sum of the Prometheus samples of {@code metric} whose {@code projection} tag starts with
     *         {@code accounts} (every partition this process ran, also those it handed over since)
     */
    public static double sum(String prometheusText, String metric) {
        return prometheusText
                .lines()
                .filter(line ->
                        line.startsWith(metric + "{") && line.contains("projection=\"" + AccountsProjection.NAME))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
