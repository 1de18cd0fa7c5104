package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.postgres.testing.AccountsWorkload;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once under crashes: a child JVM runs the accounts projection and is killed with SIGKILL at
 * random moments while it works; after the last restart the read model must equal the fold of the
 * events, computed independently in SQL, and the checkpoint must equal the head. A lost batch would leave
 * balances short; a batch applied twice (effects committed without their checkpoint) would leave them
 * long.
 */
class CrashRecoveryTest {

    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);
    private static final int EVENTS = 100_000;
    private static final int ACCOUNTS = 2_000;
    private static final int KILLS = 12;
    private static final String PROJECTION = "crash-balances";

    @RegisterExtension
    static final TestDatabase db = TestDatabase.perClass();

    @BeforeAll
    static void seed() {
        AccountsWorkload.seed(db, ACCOUNTS, EVENTS);
    }

    @Test
    void readModelEqualsTheFoldOfTheEventsAfterRepeatedKillNine() throws Exception {
        // given: kill points spread over the run, each one further than the last
        Random random = new Random();
        List<Long> killedAt = new ArrayList<>();
        long previous = -1;

        // when: start the child, wait until its checkpoint passes a random target, kill -9 it
        for (int kill = 0; kill < KILLS; kill++) {
            long target = previous + 1 + random.nextInt(EVENTS / (KILLS + 2));
            Process child = startChild("kill-" + kill);
            try {
                long reached = target;
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> checkpoint() >= reached);
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }
            previous = checkpoint();
            killedAt.add(previous);
            LOG.info(
                    "kill {}: SIGKILL at checkpoint {} (target {}, exit {})",
                    kill + 1,
                    previous,
                    target,
                    child.exitValue());
        }
        Process last = startChild("final");
        try {
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> checkpoint() == EVENTS - 1);
        } finally {
            last.destroyForcibly();
            last.waitFor();
        }

        // then
        assertThat(killedAt).hasSize(KILLS).allSatisfy(at -> assertThat(at).isLessThan(EVENTS - 1));
        assertThat(killedAt).isSorted();
        assertThat(AccountsWorkload.mismatches(db.dataSource())).isEmpty();
        assertThat(db.queryLong("SELECT sum(events) FROM account_balance")).isEqualTo(EVENTS);
        assertThat(checkpoint()).isEqualTo(EVENTS - 1);
    }

    private static long checkpoint() {
        return db.queryLong(
                "SELECT coalesce(max(position), -1) FROM lockstep.checkpoints WHERE projection = '" + PROJECTION + "'");
    }

    private static Process startChild(String label) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Path.of("target", "crash-child-" + label + ".log");
        return new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashRecoveryChild.class.getName(),
                        db.jdbcUrl(),
                        PROJECTION,
                        "500")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File(System.getProperty("user.dir")))
                .start();
    }
}
