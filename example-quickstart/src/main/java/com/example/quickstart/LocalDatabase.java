package com.example.quickstart;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;

/** A pooled data source on the PostgreSQL at a JDBC URL, or on an embedded PostgreSQL started for this process. */
final class LocalDatabase implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final HikariDataSource pool;

    private LocalDatabase(EmbeddedPostgres embedded, String jdbcUrl) {
        this.embedded = embedded;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(8);
        this.pool = new HikariDataSource(config);
    }

    /** @param jdbcUrl the server to use, e.g. {@code jdbc:postgresql://localhost:5432/app?user=app}; null starts an embedded one */
    static LocalDatabase open(String jdbcUrl) {
        if (jdbcUrl != null && !jdbcUrl.isBlank()) {
            return new LocalDatabase(null, jdbcUrl);
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            return new LocalDatabase(embedded, embedded.getJdbcUrl("postgres", "postgres"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start an embedded PostgreSQL; set QUICKSTART_JDBC_URL to a"
                    + " server instead", e);
        }
    }

    DataSource dataSource() {
        return pool;
    }

    @Override
    public void close() throws IOException {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
