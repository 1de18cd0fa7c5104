package io.lockstep.projection;

/** How a {@link ProjectionStore} sends a transaction's statements to the database. */
public enum StatementMode {
    /**
     * Write statements are held back and sent together, whatever their shapes, in the order they were
     * issued; a read, or anything else that reaches the database, sends what is held back first, so
     * handlers always read their own and earlier handlers' writes, and the effects are those of running
     * the statements one by one. The default. Two costs: a held-back write's row count reads 0 (a store
     * may let handlers declare the rows a write must affect, checked when it is sent), and a failing
     * statement fails when it is sent, possibly while a later event is being handled; the runner still
     * charges it to the event whose handler issued it ({@link PendingStatements}).
     */
    BATCHED,
    /**
     * Every statement runs when it is issued, so a failure surfaces in the handler that caused it. Used to
     * pin down a poison event.
     */
    IMMEDIATE
}
