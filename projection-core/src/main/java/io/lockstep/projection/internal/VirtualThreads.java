package io.lockstep.projection.internal;

import java.util.concurrent.Executor;

/** Runs blocking calls (JDBC) off the caller's thread, one virtual thread per task. Internal. */
public final class VirtualThreads {

    /** Starts each task on a new virtual thread. Stateless. */
    public static final Executor EXECUTOR =
            task -> Thread.ofVirtual().name("lockstep-blocking").start(task);

    private VirtualThreads() {}
}
