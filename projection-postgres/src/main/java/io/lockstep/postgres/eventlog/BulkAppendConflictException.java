package io.lockstep.postgres.eventlog;

import io.lockstep.projection.LockstepException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A bulk append ({@link PostgresEventLog#appendAll}) found streams that were not at their expected versions.
 * Nothing of the bulk was stored, not even the streams that matched. {@link #conflicts()} gives each
 * mismatched stream with its expected and actual version; reload those, decide again, and retry.
 */
public final class BulkAppendConflictException extends LockstepException {

    private static final long serialVersionUID = 1L;

    /** Conflicts the message lists, at most; {@link #conflicts()} has them all. */
    private static final int LISTED = 10;

    private final transient List<StreamVersionConflictException> conflicts;

    BulkAppendConflictException(int streams, List<StreamVersionConflictException> conflicts) {
        super("bulk append of " + streams + " stream(s) found " + conflicts.size() + " not at the expected version: "
                + conflicts.stream()
                        .limit(LISTED)
                        .map(BulkAppendConflictException::describe)
                        .collect(Collectors.joining("; "))
                + (conflicts.size() > LISTED ? "; and " + (conflicts.size() - LISTED) + " more" : "")
                + ". Nothing of the bulk was appended; reload those streams and retry");
        this.conflicts = List.copyOf(conflicts);
    }

    private static String describe(StreamVersionConflictException conflict) {
        return "'" + conflict.streamId() + "' expected " + StreamVersionConflictException.describe(conflict.expected())
                + ", is at " + (conflict.actual() < 0 ? "no events" : "version " + conflict.actual());
    }

    /** @return each stream that was not at its expected version, in the order of the bulk */
    public List<StreamVersionConflictException> conflicts() {
        return conflicts;
    }
}
