package io.lockstep.postgres.bench;

import io.lockstep.postgres.eventlog.ExpectedVersion;
import io.lockstep.postgres.eventlog.PostgresEventLog;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Appends through {@link PostgresEventLog#append(String, ExpectedVersion, java.util.List)} with
 * {@link ExpectedVersion#any()}. {@code lockstep} runs it as in production: the log is started, so each
 * append wakes the local sequencer in-process (no NOTIFY) and the sequencer ticks at most every 10 ms.
 * {@code lockstep-unsequenced} (a diagnostic) leaves the log unstarted, as in a process that only appends:
 * the same append statement, now with a NOTIFY, but no sequencer and no listener.
 */
final class LockstepAppends implements AppendContender {

    static final String LOCKSTEP = "lockstep";
    static final String UNSEQUENCED = "lockstep-unsequenced";

    private final boolean started;
    private final Duration tickInterval;

    LockstepAppends(boolean started, Duration tickInterval) {
        this.started = started;
        this.tickInterval = tickInterval;
    }

    @Override
    public String name() {
        return started ? LOCKSTEP : UNSEQUENCED;
    }

    @Override
    public Session open(DataSource dataSource) {
        PostgresEventLog log = PostgresEventLog.builder(dataSource, AppendWorkload.TYPES)
                .tickInterval(tickInterval)
                .build();
        if (started) {
            log.start();
        }
        return new Session() {
            @Override
            public Append appender(int thread, int eventsPerAppend) {
                AppendWorkload.Streams streams = new AppendWorkload.Streams(thread);
                return () -> {
                    String stream = streams.id(streams.advance());
                    log.append(stream, ExpectedVersion.any(), AppendWorkload.events(stream, eventsPerAppend));
                };
            }

            @Override
            public long backlog() {
                return started ? log.sequencerStatus().backlog() : 0;
            }

            @Override
            public boolean sequences() {
                return started;
            }

            @Override
            public void close() {
                log.close();
            }
        };
    }
}
