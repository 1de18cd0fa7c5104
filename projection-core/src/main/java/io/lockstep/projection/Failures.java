package io.lockstep.projection;

/** Reads a failure's cause chain. */
final class Failures {

    private Failures() {}

    /**
     * Strips Lockstep's wrappers from a handler's failure: an {@link EventApplyException}, or a plain
     * {@link LockstepException} a store put around a checked exception.
     *
     * @return what the handler itself threw
     */
    static Throwable handlerCause(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null
                && t.getCause() != t
                && (t instanceof EventApplyException || t.getClass() == LockstepException.class)) {
            t = t.getCause();
        }
        return t;
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
