package io.lockstep.projection;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The transaction context of {@link InMemoryProjectionStore}: handlers stage their effects here and the
 * store applies them, in order, only when the transaction commits. Valid during one transaction only.
 */
public final class InMemoryTransaction {

    private final List<Runnable> effects = new ArrayList<>();

    InMemoryTransaction() {}

    /** Stages {@code effect} to run at commit; it is dropped when the transaction rolls back. */
    public void stage(Runnable effect) {
        effects.add(Objects.requireNonNull(effect, "effect"));
    }

    void commit() {
        effects.forEach(Runnable::run);
    }
}
