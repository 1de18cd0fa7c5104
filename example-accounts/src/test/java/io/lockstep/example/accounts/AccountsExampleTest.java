package io.lockstep.example.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.postgres.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AccountsExampleTest {

    static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create(4);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void projectsTheExampleEventsIntoTheReadModel() {
        // when
        int exit = new CommandLine(new AccountsExample()).execute("--jdbc-url", db.jdbcUrl(), "--accounts", "3");

        // then
        assertThat(exit).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM account_balance")).isEqualTo(3);
        assertThat(db.queryLong("SELECT balance FROM account_balance WHERE account_id = 'acc-2'"))
                .isEqualTo(20_000 + 2_500 - 2_000);
        assertThat(db.queryLong("SELECT count(*) FROM account_balance WHERE closed")).isOne();
        assertThat(db.queryLong("SELECT position FROM lockstep.checkpoints WHERE projection = 'account-balances'"))
                .isEqualTo(9);
    }

    @Test
    void refusesANonsensicalAccountCountWithAClearMessage() {
        // when
        var err = new java.io.StringWriter();
        CommandLine cli = new CommandLine(new AccountsExample()).setErr(new java.io.PrintWriter(err));
        int exit = cli.execute("--jdbc-url", db.jdbcUrl(), "--accounts", "0");

        // then
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("--accounts 0 makes no sense");
    }
}
