package io.lockstep.projection.internal;

/** Thread helpers shared by Lockstep's modules. Internal. */
public final class Threads {

    private Threads() {}

    /**
     * Waits until {@code thread} has ended, even when interrupted meanwhile: a graceful stop must not return
     * while its thread still works. The interrupt flag is restored afterwards.
     */
    public static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
