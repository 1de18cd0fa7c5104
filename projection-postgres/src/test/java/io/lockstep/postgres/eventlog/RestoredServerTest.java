package io.lockstep.postgres.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockstep.migrations.LockstepMigrations;
import io.lockstep.projection.Envelope;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A process that keeps running while its database is restored from an older backup must not append after
 * the stream versions it remembers from before the restore: that would leave a hole in the stream. Runs its
 * own embedded PostgreSQL, which it stops, restores from a copy of its data directory and starts again.
 */
class RestoredServerTest {

    record Noted(String text) {}

    static final EventTypes TYPES =
            EventTypes.builder().register("Noted", Noted.class).build();

    @TempDir
    Path dir;

    @Test
    void anAppendAfterTheRestoreGoesAfterTheRestoredVersion() throws Exception {
        // given: a backup holding version 0 of "s", then versions 1 and 2 appended (and remembered) after it
        Path data = dir.resolve("data");
        Path backup = dir.resolve("backup");
        int port = freePort();
        PGSimpleDataSource dataSource = new PGSimpleDataSource(); // no pool: no connection outlives a restart
        dataSource.setURL("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
        PostgresEventLog log = PostgresEventLog.builder(dataSource, TYPES).build();
        try (EmbeddedPostgres ignored = start(data, port)) {
            LockstepMigrations.migrate(dataSource);
            log.append("s", ExpectedVersion.noStream(), List.of(new Noted("a")));
        }
        copy(data, backup);
        try (EmbeddedPostgres ignored = start(data, port)) {
            assertThat(log.append("s", ExpectedVersion.exactly(0), List.of(new Noted("b"), new Noted("c")))
                            .lastVersion())
                    .isEqualTo(2);
        }

        // when: the backup is restored and the same process appends again
        delete(data);
        copy(backup, data);
        try (EmbeddedPostgres ignored = start(data, port)) {
            AppendResult result = log.append("s", ExpectedVersion.any(), List.of(new Noted("d")));

            // then
            assertThat(result.firstVersion()).isEqualTo(1);
            List<Envelope> stream = log.readStream("s", 0, 10);
            assertThat(stream).extracting(Envelope::streamVersion).containsExactly(0L, 1L);
            assertThat(stream).extracting(e -> ((Noted) e.event()).text()).containsExactly("a", "d");
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws IOException {
        // synchronous_commit on: appends under zonky's default (off) are not remembered at all
        return EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("synchronous_commit", "on")
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Files.copy(path, to.resolve(from.relativize(path).toString()));
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
