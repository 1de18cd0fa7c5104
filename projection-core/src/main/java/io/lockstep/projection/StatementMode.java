package io.lockstep.projection;

/** How a {@link ProjectionStore} sends a transaction's statements to the database. */
public enum StatementMode {
    /**
     * Consecutive identical write statements are sent as one JDBC batch; a read, or a different statement,
     * sends what is pending first, so handlers always read their own writes. The normal mode. A failing
     * statement may surface while a later event is being handled.
     */
    BATCHED,
    /**
     * Every statement runs when it is issued, so a failure surfaces in the handler that caused it. Used to
     * pin down a poison event.
     */
    IMMEDIATE
}
