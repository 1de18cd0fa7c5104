package io.lockstep.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockstep.postgres.eventlog.EventLogAccess;
import io.lockstep.postgres.eventlog.EventTypes;
import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import io.lockstep.postgres.testing.TestDatabase;
import io.lockstep.projection.Projection;
import io.lockstep.projection.ProjectionRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's grants are enough for each role, and an appender cannot forge the transaction id. */
class GrantsTest {

    record Noted(String text) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();
    static final String SUFFIX = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    static final String APPENDER = "app_appender_" + SUFFIX;
    static final String PROJECTOR = "app_projector_" + SUFFIX;

    static TestDatabase db;

    @BeforeAll
    static void createRolesWithTheReadmeGrants() throws IOException {
        db = TestDatabase.create(2);
        String readme = Files.readString(Path.of("../README.md"));
        String block = readme.substring(readme.indexOf("<!-- grants:start -->"), readme.indexOf("<!-- grants:end -->"));
        String grants = block.substring(block.indexOf("```sql") + 6, block.lastIndexOf("```"))
                .replace("app_appender", APPENDER)
                .replace("app_projector", PROJECTOR);
        db.execute("CREATE ROLE " + APPENDER + " LOGIN", "CREATE ROLE " + PROJECTOR + " LOGIN");
        db.execute(grants);
    }

    @AfterAll
    static void dropDatabaseAndRoles() {
        db.close();
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl().replace("/" + db.name(), "/postgres"));
                Statement statement = admin.createStatement()) {
            statement.execute("DROP ROLE IF EXISTS " + APPENDER);
            statement.execute("DROP ROLE IF EXISTS " + PROJECTOR);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HikariDataSource as(String role) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl().replaceAll("user=[^&]*", "user=" + role));
        config.setMaximumPoolSize(3);
        return new HikariDataSource(config);
    }

    @Test
    void theAppenderAppendsAndTheProjectorSequencesAndProjects() throws Exception {
        try (HikariDataSource appender = as(APPENDER);
                HikariDataSource projector = as(PROJECTOR)) {
            // when
            PostgresEventLog.builder(appender, TYPES)
                    .build()
                    .append("s", ExpectedVersion.noStream(), List.of(new Noted("granted")));
            PostgresEventLog log = PostgresEventLog.builder(projector, TYPES).build();
            EventLogAccess.checkTransactionIds(log);
            long sequenced = log.sequence();
            Projection<PostgresTransaction> nothing = Projection.<PostgresTransaction>builder("granted")
                    .on(Noted.class, (e, env, tx) -> {})
                    .build();
            long checkpoint = ProjectionRunner.builder(
                            nothing, PostgresProjectionStore.builder(projector).build(), log)
                    .build()
                    .catchUp();

            // then
            assertThat(sequenced).isOne();
            assertThat(checkpoint).isOne();
        }
    }

    @Test
    void theAppenderCannotSetTheTransactionId() throws Exception {
        try (HikariDataSource appender = as(APPENDER);
                Connection connection = appender.getConnection();
                Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.execute("INSERT INTO lockstep.events (tx_id, stream_id, stream_version,"
                            + " event_type, payload) VALUES ('1', 'forged', 0, 'Noted', '{}')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
        }
    }
}
