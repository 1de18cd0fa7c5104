package io.lockstep.postgres.eventlog;

import io.lockstep.projection.LockstepException;

/**
 * An append's expected version did not match its stream: another writer appended first. Nothing of the
 * append was stored. Reload the stream, decide again, and retry.
 */
public final class StreamVersionConflictException extends LockstepException {

    private static final long serialVersionUID = 1L;

    private final String streamId;
    private final transient ExpectedVersion expected;
    private final long actual;

    StreamVersionConflictException(String streamId, ExpectedVersion expected, long actual) {
        super("append to stream '" + streamId + "' expected " + describe(expected) + " but the stream is at "
                + (actual < 0 ? "no events" : "version " + actual)
                + "; nothing was appended. Reload the stream and retry the command");
        this.streamId = streamId;
        this.expected = expected;
        this.actual = actual;
    }

    static String describe(ExpectedVersion expected) {
        return switch (expected) {
            case ExpectedVersion.Any any -> "any version";
            case ExpectedVersion.NoStream none -> "no stream";
            case ExpectedVersion.Exactly exactly -> "version " + exactly.version();
        };
    }

    /** @return the stream appended to */
    public String streamId() {
        return streamId;
    }

    /** @return what the append expected */
    public ExpectedVersion expected() {
        return expected;
    }

    /** @return the stream's actual version, -1 when it has no events */
    public long actual() {
        return actual;
    }
}
