package io.lockstep.example.accounts;

import io.lockstep.example.accounts.cli.AccountsCommand;
import io.lockstep.projection.LockstepException;
import java.util.Set;
import picocli.CommandLine;

/** The accounts application's entry point: {@code serve} (the default), {@code simulate}, {@code replay}, {@code status}. */
public final class AccountsApplication {

    private static final Set<String> ROOT_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    private AccountsApplication() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line; no subcommand means {@code serve}. @return the exit code */
    public static int run(String... args) {
        String[] line = args;
        if (args.length == 0 || args[0].startsWith("-") && !ROOT_OPTIONS.contains(args[0])) {
            line = new String[args.length + 1];
            line[0] = "serve";
            System.arraycopy(args, 0, line, 1, args.length);
        }
        return new CommandLine(new AccountsCommand())
                .setExecutionExceptionHandler((failure, command, parsed) -> {
                    command.getErr().println("error: " + failure.getMessage());
                    if (!(failure instanceof IllegalStateException
                            || failure instanceof IllegalArgumentException
                            || failure instanceof LockstepException)) {
                        failure.printStackTrace(command.getErr());
                    }
                    return 1;
                })
                .execute(line);
    }
}
