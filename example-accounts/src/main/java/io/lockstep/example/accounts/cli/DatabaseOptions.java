package io.lockstep.example.accounts.cli;

import io.lockstep.example.accounts.app.Database;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the application's database is: options every command shares. */
final class DatabaseOptions {

    @Option(names = "--jdbc-url", defaultValue = "${env:LOCKSTEP_JDBC_URL}",
            description = "An existing PostgreSQL database, e.g. jdbc:postgresql://localhost:5432/accounts?user=me"
                    + " (default: $LOCKSTEP_JDBC_URL; when unset, an embedded PostgreSQL)")
    String jdbcUrl;

    @Option(names = "--data-dir", description = "The embedded PostgreSQL's data directory, kept between runs"
            + " (default: ~/.lockstep/example-accounts/postgres)")
    Path dataDir;

    /** Opens and migrates the database; prints which one. */
    Database open(int poolSize) {
        Database database = Database.open(Optional.ofNullable(jdbcUrl).filter(url -> !url.isBlank()),
                dataDir != null ? dataDir : Database.DEFAULT_DATA_DIR, poolSize);
        System.out.println("database: " + database.description());
        return database;
    }
}
