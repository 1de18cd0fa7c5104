package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Where the application's database is: options every command shares. */
final class DatabaseOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--jdbc-url",
            defaultValue = "${env:LOCKSTEP_JDBC_URL}",
            description = "An existing PostgreSQL database, e.g. jdbc:postgresql://localhost:5432/accounts?user=me"
                    + " (default: $LOCKSTEP_JDBC_URL; when unset, an embedded PostgreSQL)")
    String jdbcUrl;

    @Option(
            names = "--data-dir",
            description = "The embedded PostgreSQL's data directory, kept between runs"
                    + " (default: $HOME/.lockstep/example-accounts/postgres)")
    Path dataDir;

    /**
     * Checks the options, then opens and migrates the database and prints which one.
     *
     * @throws ParameterException    for a URL that is not PostgreSQL's JDBC form, or a URL with a data directory
     * @throws IllegalStateException when the database cannot be started or reached (one line)
     */
    Database open() {
        Optional<String> url = Optional.ofNullable(jdbcUrl).filter(value -> !value.isBlank());
        if (url.isPresent() && !url.get().startsWith("jdbc:postgresql:")) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--jdbc-url " + Database.withoutPassword(url.get())
                            + " is not a PostgreSQL JDBC URL; use jdbc:postgresql://host:5432/database?user=me");
        }
        if (url.isPresent() && dataDir != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--data-dir " + dataDir + " is for the embedded"
                            + " PostgreSQL, but --jdbc-url (or LOCKSTEP_JDBC_URL) names a server; give one of them");
        }
        Database database = Database.open(url, dataDir != null ? dataDir : Database.DEFAULT_DATA_DIR);
        System.out.println("database: " + database.description());
        return database;
    }
}
