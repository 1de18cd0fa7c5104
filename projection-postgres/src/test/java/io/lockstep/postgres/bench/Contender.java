package io.lockstep.postgres.bench;

import io.lockstep.projection.EventSource;

/**
 * One way of replaying the accounts workload into {@code account_balance}, measured by
 * {@link ReplayBenchmark}. Every contender reads through the same {@link EventSource} and commits its
 * checkpoint in the transaction of its writes, so only the way of writing differs.
 */
interface Contender {

    /** @return the name printed in the results, e.g. {@code jdbc-batch} */
    String name();

    /** @return the checkpoint (projection name) this contender advances in {@code lockstep.checkpoints} */
    String checkpoint();

    /** @return events per transaction */
    int batchSize();

    /**
     * Replays every event after the checkpoint, which the caller has reset to -1 with the read model
     * emptied, until the source has none left.
     *
     * @return the checkpoint reached
     */
    long replay(EventSource source) throws Exception;
}
