package io.lockstep.projection;

/**
 * Root of every exception Lockstep throws.
 *
 * <p>Lockstep's API throws unchecked exceptions only. Catch this type to handle any Lockstep failure;
 * catch a subclass to react to one kind: {@link TransientStoreException} (worth retrying),
 * {@link CheckpointConflictException} (another runner moved the checkpoint).
 */
public class LockstepException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, the offending value and the fix
     */
    public LockstepException(String message) {
        super(message);
    }

    /**
     * @param message what failed, the offending value and the fix
     * @param cause   the underlying failure
     */
    public LockstepException(String message, Throwable cause) {
        super(message, cause);
    }
}
