package io.lockstep.projection;

/** Reads a failure's cause chain. */
final class Failures {

    private Failures() {
    }

    /** @return the first throwable of type {@code type} in {@code failure}'s cause chain, or null */
    static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
