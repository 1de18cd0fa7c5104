package io.lockstep.postgres.eventlog;

/** What an append expects of its stream's current version: the optimistic concurrency check. */
public sealed interface ExpectedVersion {

    /** @return {@link Any}: append whatever the stream's version */
    static ExpectedVersion any() {
        return new Any();
    }

    /** @return {@link NoStream}: the stream must not exist yet */
    static ExpectedVersion noStream() {
        return new NoStream();
    }

    /** @return {@link Exactly}: the stream's last event must have this version */
    static ExpectedVersion exactly(long version) {
        return new Exactly(version);
    }

    /** Appends whatever the stream's version; concurrent appenders never conflict. */
    record Any() implements ExpectedVersion {}

    /** The stream must have no events. */
    record NoStream() implements ExpectedVersion {}

    /**
     * The stream's last event must have {@code version}.
     *
     * @param version the version read when the command loaded the stream (>= 0)
     */
    record Exactly(long version) implements ExpectedVersion {
        /** Validates the version. */
        public Exactly {
            if (version < 0) {
                throw new IllegalArgumentException("expected version " + version + " is invalid: versions start at 0;"
                        + " use ExpectedVersion.noStream() for a stream that must not exist");
            }
        }
    }
}
