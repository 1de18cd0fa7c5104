package io.lockstep.projection;

/**
 * Clears a projection's read model, inside the transaction that also sets its checkpoint back to -1: a
 * replay or a version rebuild. Readers outside that transaction see the old read model until it commits,
 * then an empty one that fills up again; never a mix of old and new state.
 *
 * <p>On PostgreSQL, clear with {@code DELETE}, not {@code TRUNCATE}: {@code TRUNCATE} is not MVCC-safe, so a
 * reader whose snapshot was taken before the reset committed would find the table empty while still seeing
 * the old checkpoint. (A test of the replay reproduces exactly that with {@code TRUNCATE}.)
 *
 * @param <C> the transaction context
 */
@FunctionalInterface
public interface ResetHandler<C> {

    /**
     * @param tx the reset's transaction; write through it only (typically {@code DELETE FROM} each table)
     * @throws Exception any failure; nothing is reset
     */
    void reset(C tx) throws Exception;
}
