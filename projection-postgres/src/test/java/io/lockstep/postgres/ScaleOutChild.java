package io.lockstep.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.PartitionWorkload;
import java.time.Duration;

/**
 * One node of {@link ScaleOutTest}: runs the {@code applied} projection in partitions under leases until it is
 * killed, frozen or terminated (SIGTERM closes the node, handing its partitions over). Arguments: JDBC URL,
 * node id, partitions, lease in ms, heartbeat in ms.
 */
public final class ScaleOutChild {

    private ScaleOutChild() {}

    public static void main(String[] args) throws InterruptedException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(12);
        HikariDataSource dataSource = new HikariDataSource(config);
        String nodeId = args[1];
        int partitions = Integer.parseInt(args[2]);
        PostgresEventLog log = PostgresEventLog.builder(dataSource, PartitionWorkload.TYPES)
                .runSequencer(false)
                .build();
        log.start();
        ProjectionNode node = ProjectionNode.builder(
                        dataSource, PostgresProjectionStore.builder(dataSource).build(), log)
                .nodeId(nodeId)
                .lease(Duration.ofMillis(Long.parseLong(args[3])))
                .heartbeat(Duration.ofMillis(Long.parseLong(args[4])))
                .projection(
                        PartitionWorkload.projection(nodeId, partitions),
                        partitions,
                        runner -> runner.batchSize(500).idleWait(Duration.ofMillis(200)))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            log.close();
            dataSource.close();
        }));
        node.start();
        System.out.println("node " + nodeId + " started");
        Thread.currentThread().join();
    }
}
