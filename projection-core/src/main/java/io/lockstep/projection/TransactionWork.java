package io.lockstep.projection;

/**
 * Work done inside one store transaction.
 *
 * @param <C> the transaction context
 * @param <R> the result
 */
@FunctionalInterface
public interface TransactionWork<C, R> {

    /**
     * @param tx the open transaction's context; valid only during this call
     * @return the result, returned by the store after commit
     * @throws Exception any failure; the transaction rolls back
     */
    R run(C tx) throws Exception;
}
