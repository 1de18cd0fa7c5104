package io.lockstep.example.accounts.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.example.accounts.AccountsApplication;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What the {@code status} command prints, run in this JVM. */
public final class StatusOutput {

    private StatusOutput() {}

    /**
     * Runs {@code status --jdbc-url jdbcUrl} with {@code options} and returns what it printed; fails the test when it
     * exits with another code than 0.
     */
    public static String of(String jdbcUrl, String... options) {
        List<String> args = new ArrayList<>(List.of("status", "--jdbc-url", jdbcUrl));
        args.addAll(List.of(options));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThat(AccountsApplication.run(args.toArray(String[]::new))).isZero();
        } finally {
            System.setOut(stdout);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }
}
