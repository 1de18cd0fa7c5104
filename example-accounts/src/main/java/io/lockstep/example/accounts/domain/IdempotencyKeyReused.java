package io.lockstep.example.accounts.domain;

/** An {@link IdempotencyKey} sent again with another command than the one it was first used for. Nothing was done. */
public final class IdempotencyKeyReused extends RuntimeException {

    /**
     * @param first the request the key was first used for
     * @param now   the request that came with it now
     */
    public IdempotencyKeyReused(IdempotencyKey key, String first, String now) {
        super("Idempotency-Key '" + key.value() + "' was first used for " + first + ", not for " + now
                + "; a key names one command: send a new key for a new command. Nothing was done");
    }
}
