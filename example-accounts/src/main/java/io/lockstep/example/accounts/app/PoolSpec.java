package io.lockstep.example.accounts.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection pool: its name (threads and metrics show it as {@code accounts-<name>}), size, how long
 * taking a connection may wait, and the session's {@code statement_timeout} and {@code lock_timeout} when set.
 *
 * @param name              short name, e.g. {@code reads}
 * @param size              connections, 1..200
 * @param connectionTimeout how long taking a connection waits before failing (at least 250 ms)
 * @param statementTimeout  PostgreSQL cancels a statement running longer (empty: no limit)
 * @param lockTimeout       PostgreSQL cancels a statement waiting longer for a lock (empty: no limit)
 */
public record PoolSpec(
        String name,
        int size,
        Duration connectionTimeout,
        Optional<Duration> statementTimeout,
        Optional<Duration> lockTimeout) {

    /** Validates every component. */
    public PoolSpec {
        Objects.requireNonNull(name, "name");
        if (size < 1 || size > 200) {
            throw new IllegalArgumentException("pool " + name + ": size " + size + " makes no sense; use 1..200");
        }
        if (Objects.requireNonNull(connectionTimeout, "connectionTimeout").compareTo(Duration.ofMillis(250)) < 0) {
            throw new IllegalArgumentException("pool " + name + ": connectionTimeout " + connectionTimeout
                    + " is below HikariCP's minimum of 250 ms");
        }
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
    }

    /** @return the SQL each new connection runs to set its timeouts, if any */
    Optional<String> sessionSettings() {
        List<String> settings = new ArrayList<>();
        statementTimeout.ifPresent(t -> settings.add("SET statement_timeout = " + t.toMillis()));
        lockTimeout.ifPresent(t -> settings.add("SET lock_timeout = " + t.toMillis()));
        return settings.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", settings));
    }
}
