package io.lockstep.projection;

/**
 * The statements a store holds back during a batch to send them together ({@link StatementMode#BATCHED}).
 * The runner says which event each handler call works for, so that a statement that fails when it is
 * finally sent is charged to the event whose handler issued it, and flushes after the last handler, before
 * the commit. Not thread-safe: one per transaction.
 *
 * @see ProjectionStore#pendingStatements(Object)
 */
public interface PendingStatements {

    /** @return the pending statements of a store that holds nothing back */
    static PendingStatements none() {
        return None.INSTANCE;
    }

    /**
     * Charges the statements issued from now on to the event at {@code eventIndex} of the batch, or to the
     * whole batch when it is -1 (a batch handler).
     */
    void owner(int eventIndex);

    /**
     * Sends every statement held back, in the order they were issued.
     *
     * @throws DeferredStatementException when one of them failed or affected an unexpected number of rows;
     *                                    it names the index of the event whose handler issued it
     * @throws Exception                  when the store could not send them (a lost connection)
     */
    void flush() throws Exception;

    /** Holds nothing back. */
    enum None implements PendingStatements {
        INSTANCE;

        @Override
        public void owner(int eventIndex) {}

        @Override
        public void flush() {}
    }
}
