package io.lockstep.example.accounts.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a command opened, closed in reverse order exactly once: when the command returns, or when the JVM
 * is asked to stop (Ctrl-C, SIGTERM) while it runs. So the application stops before the database it uses,
 * and an embedded PostgreSQL is never left running after a normal stop. (SIGKILL closes nothing; the next
 * start finds the stored checkpoints and, if the embedded server survived, connects to it.)
 */
final class Resources implements AutoCloseable {

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeAll, "accounts-shutdown");
    private boolean closed;

    Resources() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** @return {@code resource}, to be closed before everything added earlier */
    synchronized <T extends AutoCloseable> T add(T resource) {
        if (closed) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
            throw new IllegalStateException("stopping: not opening more");
        }
        opened.push(resource);
        return resource;
    }

    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
            // the JVM is already stopping: the hook is running or has run
        }
    }

    private synchronized void closeAll() {
        closed = true;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
    }
}
