package io.lockstep.redis;

import io.lockstep.projection.CheckpointConflictException;
import io.lockstep.projection.CheckpointKey;
import io.lockstep.projection.LockstepException;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The errors of a batch that Redis refused or ran only in part, with what happened and what to do. */
final class Conflicts {

    private Conflicts() {}

    /** Explains a refused EXEC from what the batch's claimed checkpoint holds now. */
    static CheckpointConflictException refusedExec(
            Map<CheckpointKey, Long> claims, Function<CheckpointKey, CheckpointHash> readHash) {
        Map.Entry<CheckpointKey, Long> claim = claims.entrySet().iterator().next();
        CheckpointKey key = claim.getKey();
        long expected = claim.getValue();
        CheckpointHash now = readHash.apply(key);
        if (now.paused() && now.position() == expected) {
            return CheckpointConflictException.paused(key, expected);
        }
        if (!now.exists() && expected >= 0) {
            return lost(key, expected);
        }
        if (now.position() == expected) {
            return new CheckpointConflictException(
                    key,
                    expected,
                    expected,
                    "checkpoint of " + key + " was written"
                            + " while this batch ran (it is still " + expected
                            + ": a reset, pause or resume); the batch"
                            + " was not applied and runs again");
        }
        return CheckpointConflictException.concurrentAdvance(key, expected, now.position());
    }

    /** The checkpoint a runner expected at {@code expected} is gone: Redis lost its data. */
    static CheckpointConflictException lost(CheckpointKey key, long expected) {
        return new CheckpointConflictException(
                key,
                expected,
                -1,
                "checkpoint of " + key + " was at " + expected
                        + " but Redis no longer has it: Redis lost its data (a restart without persistence, FLUSHALL, a"
                        + " failover to an empty replica) and the read model with it. The batch was not applied; the"
                        + " projection rebuilds from -1");
    }

    /** Commands failed inside EXEC; the projections in {@code paused} were paused. */
    static LockstepException partiallyApplied(
            String storeName, Set<CheckpointKey> paused, RedisTransaction.PartiallyApplied failure) {
        return new LockstepException(
                storeName + ": " + failure.getMessage() + ". Redis has no rollback, so the"
                        + " batch's other commands and its checkpoint were applied; projection(s) " + paused + " were"
                        + " paused. Fix the handler or the data, then replay and resume to rebuild the read model"
                        + " from the log, or only resume to go on with it as it is",
                failure);
    }
}
