package io.lockstep.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.testing.AccountsProjection;
import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.TableEventSource;
import io.lockstep.projection.ProjectionRunner;

/**
 * The process {@link CrashRecoveryTest} kills: runs the accounts projection over {@code test_events} until
 * it is killed. Arguments: the database's JDBC URL, the projection name, the batch size.
 */
public final class CrashRecoveryChild {

    private CrashRecoveryChild() {}

    public static void main(String[] args) throws InterruptedException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(4);
        HikariDataSource dataSource = new HikariDataSource(config);
        ProjectionRunner runner = ProjectionRunner.builder(
                        AccountsProjection.perEvent(args[1]),
                        PostgresProjectionStore.builder(dataSource).build(),
                        new TableEventSource(dataSource, AccountsWorkload.TYPES))
                .batchSize(Integer.parseInt(args[2]))
                .threadFactory(Thread.ofPlatform().name("crash-child-runner").factory())
                .build();
        runner.start();
        // Runs until SIGKILL; a normal exit would defeat the test.
        Thread.currentThread().join();
    }
}
