package io.lockstep.example.accounts.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lockstep.example.accounts.AccountsApplication;
import io.lockstep.example.accounts.readmodel.AccountView;
import io.lockstep.example.accounts.readmodel.OwnerView;
import io.lockstep.example.accounts.readmodel.ReadModels;
import io.lockstep.postgres.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code replay accounts} rebuilds exactly the rows the live run wrote. */
class ReplayTest {

    @Test
    void replayProducesTheSameRowsAsTheLiveRun() throws Exception {
        try (TestDatabase db = TestDatabase.create(4)) {
            // given: a live run under concurrent load
            List<AccountView> liveAccounts;
            List<OwnerView> liveOwners;
            try (Database database = Database.open(Optional.of(db.jdbcUrl()), Path.of("unused"));
                    AccountsApp app =
                            AccountsApp.start(Pools.open(database, new Pools.Sizes(2, 12, 4)), Duration.ZERO)) {
                new Simulation(app.commands(), new Simulation.Plan(40, 3_000, 6, 7)).run();
                String closing = app.readModels().accounts().stream()
                        .filter(a -> !a.closed())
                        .findFirst()
                        .orElseThrow()
                        .accountId();
                app.commands().close(closing);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> app.log().sequencerStatus().backlog() == 0
                                && app.projectedThrough() == app.log().headPosition());
                liveAccounts = app.readModels().accounts();
                liveOwners = app.readModels().owners();
            }
            assertThat(liveAccounts).hasSize(40);
            assertThat(liveAccounts).anyMatch(AccountView::closed);

            // when
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int exit;
            System.setOut(new PrintStream(printed, true));
            try {
                exit = AccountsApplication.run("replay", "accounts", "--jdbc-url", db.jdbcUrl());
            } finally {
                System.setOut(stdout);
            }

            // then
            assertThat(exit).isZero();
            String events = String.format("%,d", db.queryLong("SELECT count(*) FROM lockstep.event_log"));
            assertThat(printed.toString())
                    .contains(
                            "replayed accounts: the log holds " + events + " events",
                            "rebuilt from " + events + " of them",
                            events + " applied by this process, 0 by another runner");
            ReadModels replayed = new ReadModels(db.dataSource());
            assertThat(replayed.accounts()).containsExactlyElementsOf(liveAccounts);
            assertThat(replayed.owners()).containsExactlyElementsOf(liveOwners);
        }
    }

    @Test
    void anUnknownProjectionIsRefusedByName() {
        int exit = AccountsApplication.run("replay", "balances", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none");

        assertThat(exit).isEqualTo(2);
    }
}
