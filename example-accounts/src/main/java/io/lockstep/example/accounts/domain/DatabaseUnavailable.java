package io.lockstep.example.accounts.domain;

import io.lockstep.projection.TransientStoreException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Optional;

/**
 * The database could not serve a command or a read for a passing reason: unreachable, overloaded, or a lock
 * or a slow statement held the work past its timeout. Nothing is known to have changed unless the failure hit
 * a command's commit; retrying later is right (for a command, with its idempotency key).
 */
public final class DatabaseUnavailable extends RuntimeException {

    private final String reason;

    private DatabaseUnavailable(String reason, Throwable cause) {
        super(reason, cause);
        this.reason = reason;
    }

    /** @return why, in the API's words, e.g. "a lock held it longer than allowed (lock_timeout)" */
    public String reason() {
        return reason;
    }

    /**
     * @return {@code failure} as a {@link DatabaseUnavailable} when its cause chain says the database failed
     *         for a passing reason, else {@code failure} itself
     */
    public static RuntimeException classify(RuntimeException failure) {
        return failure instanceof DatabaseUnavailable
                ? failure
                : reason(failure)
                        .<RuntimeException>map(reason -> new DatabaseUnavailable(reason, failure))
                        .orElse(failure);
    }

    private static Optional<String> reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                Optional<String> reason = reason(sql.getSQLState());
                if (reason.isPresent()) {
                    return reason;
                }
            }
            if (t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException
                    || t instanceof TransientStoreException) {
                Throwable deeper = t.getCause();
                Optional<String> detail = deeper == null || deeper == t ? Optional.empty() : reason(deeper);
                return Optional.of(detail.orElse("no database connection was free or could be made in time"));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> reason(String state) {
        if (state.equals("55P03")) {
            return Optional.of("a lock held it longer than allowed (lock_timeout)");
        }
        if (state.equals("57014")) {
            return Optional.of("the database took longer than allowed (statement_timeout)");
        }
        if (state.startsWith("40")) {
            return Optional.of("it collided with a concurrent transaction");
        }
        if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
            return Optional.of("the database is unreachable or overloaded (SQLState " + state + ")");
        }
        return Optional.empty();
    }
}
