package io.lockstep.postgres.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.PostgresProjectionStore;
import io.lockstep.postgres.ProjectionNode;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import java.time.Duration;

/**
 * A node process of {@link ScaleOutBenchmark}. Arguments: JDBC URL, node id, projection name, partitions,
 * lease in ms (0: default), heartbeat in ms (0: default).
 */
public final class ScaleOutBenchNode {

    private ScaleOutBenchNode() {}

    public static void main(String[] args) throws InterruptedException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(8);
        HikariDataSource dataSource = new HikariDataSource(config);
        PostgresEventLog log = PostgresEventLog.builder(dataSource, ScaleOutBench.TYPES)
                .runSequencer(false)
                .build();
        log.start();
        int partitions = Integer.parseInt(args[3]);
        ProjectionNode.Builder builder = ProjectionNode.builder(
                        dataSource, PostgresProjectionStore.builder(dataSource).build(), log)
                .nodeId(args[1])
                .projection(
                        ScaleOutBench.projection(args[2]),
                        partitions,
                        runner -> runner.idleWait(Duration.ofMillis(100)));
        if (Long.parseLong(args[4]) > 0) {
            builder.lease(Duration.ofMillis(Long.parseLong(args[4])))
                    .heartbeat(Duration.ofMillis(Long.parseLong(args[5])));
        }
        ProjectionNode node = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            log.close();
            dataSource.close();
        }));
        node.start();
        Thread.currentThread().join();
    }
}
