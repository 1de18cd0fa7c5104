package io.lockstep.projection;

/** How a {@link ProjectionStore} sends a transaction's statements to the database. */
public enum StatementMode {
    /**
     * Consecutive identical write statements are sent as one JDBC batch; a read, or a different statement,
     * sends what is pending first, so handlers always read their own writes. The default. Two costs: a
     * queued write's row count reads 0, and a failing statement may surface while a later event is being
     * handled (the runner then pins the failure down in {@link #IMMEDIATE} mode).
     */
    BATCHED,
    /**
     * Every statement runs when it is issued, so a failure surfaces in the handler that caused it. Used to
     * pin down a poison event.
     */
    IMMEDIATE
}
