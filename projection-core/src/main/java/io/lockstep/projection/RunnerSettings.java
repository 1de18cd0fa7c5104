package io.lockstep.projection;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * What a runner was built with: an immutable copy of its {@link ProjectionRunner.Builder} taken by
 * {@code build()}, so a builder changed afterwards leaves the runner (and a side-by-side build it starts later)
 * as it was.
 *
 * @param projection    the projection
 * @param store         where its read model and checkpoint live
 * @param source        where its events come from
 * @param key           the checkpoint it advances
 * @param batchSize     events per transaction
 * @param retryPolicy   how failed batches are retried
 * @param idleWait      how long the loop waits for new events when caught up
 * @param headRefresh   how often the source's head is read for the status
 * @param clock         the clock of status timestamps
 * @param threadFactory makes the loop's thread
 * @param listener      hears batches, failures and state changes
 * @param aheadOfSource what to do when the checkpoint is ahead of the source
 * @param <C>           the transaction context
 */
record RunnerSettings<C>(
        Projection<C> projection,
        ProjectionStore<C> store,
        EventSource source,
        CheckpointKey key,
        int batchSize,
        RetryPolicy retryPolicy,
        Duration idleWait,
        Duration headRefresh,
        InstantSource clock,
        ThreadFactory threadFactory,
        ProjectionListener listener,
        AheadOfSourcePolicy aheadOfSource) {

    /** Checks that every setting is present; the builder validated the values. */
    RunnerSettings {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(idleWait, "idleWait");
        Objects.requireNonNull(headRefresh, "headRefresh");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(threadFactory, "threadFactory");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(aheadOfSource, "aheadOfSource");
    }

    /** @return the same settings for another checkpoint (a side-by-side build's) */
    RunnerSettings<C> withKey(CheckpointKey other) {
        return new RunnerSettings<>(
                projection,
                store,
                source,
                other,
                batchSize,
                retryPolicy,
                idleWait,
                headRefresh,
                clock,
                threadFactory,
                listener,
                aheadOfSource);
    }
}
