package io.lockstep.projection;

import io.lockstep.projection.internal.Arguments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read model's definition: its name, its version and how each event type changes it. Immutable and
 * thread-safe once built.
 *
 * <pre>{@code
 * Projection<PostgresTransaction> balances = Projection.<PostgresTransaction>builder("account-balances")
 *         .version(1)
 *         .on(FundsDeposited.class, (event, envelope, tx) -> tx.dsl().update(...).execute())
 *         .build();
 * }</pre>
 *
 * <p>Events of a type with no handler are passed over; the checkpoint still moves past them. A handler
 * registered for a supertype (a sealed interface of events, say) receives every subtype that has no
 * handler of its own; when several supertypes match, the one registered first wins, on every run.
 *
 * @param <C> the transaction context handlers receive
 */
public final class Projection<C> {

    /** Default {@link #version()}. */
    public static final int DEFAULT_VERSION = 1;

    private final String name;
    private final int version;
    private final Map<Class<?>, EventHandler<Object, C>> handlers;
    private final BatchHandler<C> batchHandler;
    private final FailurePolicy failurePolicy;
    private final StatementMode statementMode;
    private final ResetHandler<C> resetHandler;
    private final RebuildStrategy<C> rebuildStrategy;
    private final Map<Class<?>, EventHandler<Object, C>> resolved = new ConcurrentHashMap<>();

    private Projection(Builder<C> builder) {
        this.name = builder.name;
        this.version = builder.version;
        this.handlers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.handlers));
        this.batchHandler = builder.batchHandler;
        this.failurePolicy = builder.failurePolicy;
        this.statementMode = builder.statementMode;
        this.resetHandler = builder.resetHandler;
        this.rebuildStrategy = builder.rebuildStrategy;
    }

    /** @return how a version bump rebuilds the read model (default {@link RebuildStrategy.InPlace}) */
    public RebuildStrategy<C> rebuildStrategy() {
        return rebuildStrategy;
    }

    /**
     * Starts a definition.
     *
     * @param name the projection's stable name: it keys the checkpoint, so renaming it starts over from -1; at
     *             most {@link CheckpointKey#MAX_LENGTH} characters, not blank, without U+0000
     * @throws IllegalArgumentException for a name that breaks those rules, naming the limit
     */
    public static <C> Builder<C> builder(String name) {
        return new Builder<>(name);
    }

    /** @return the projection's name */
    public String name() {
        return name;
    }

    /** @return the projection's version (default 1) */
    public int version() {
        return version;
    }

    /** @return what happens to a poison event (default {@link FailurePolicy.Stop}) */
    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /** @return true when the projection can be replayed: it has a reset handler */
    public boolean resettable() {
        return resetHandler != null;
    }

    /** Clears the read model inside {@code tx}; see {@link ResetHandler}. */
    void reset(C tx) throws Exception {
        if (resetHandler == null) {
            throw new IllegalStateException("projection '" + name + "' has no reset handler, so it cannot be replayed"
                    + " or rebuilt; add .onReset(tx -> ...) that clears its tables");
        }
        resetHandler.reset(tx);
    }

    /** @return how the store sends handlers' statements (default {@link StatementMode#BATCHED}) */
    public StatementMode statementMode() {
        return statementMode;
    }

    /**
     * Applies {@code batch} in order: to the batch handler if there is one, else event by event to the
     * typed handlers; then flushes the statements the store held back.
     *
     * @param pending the store's held-back statements: told which event each handler works for, so that a
     *                statement failing when sent later is charged to its own event
     * @throws EventApplyException wrapping a typed handler's failure, with the index of its event
     * @throws Exception           the batch handler's own failure, or a failure to send held-back statements
     *                             that names no event
     */
    void apply(List<Envelope> batch, C tx, PendingStatements pending) throws Exception {
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).event() instanceof UndecodableEvent undecodable) {
                throw new EventApplyException(
                        name, i, batch.get(i), new EventDecodingException(batch.get(i), undecodable));
            }
        }
        if (batchHandler != null) {
            applyBatch(batch, tx, pending);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Envelope envelope = batch.get(i);
            EventHandler<Object, C> handler = handlerFor(envelope.event().getClass());
            if (handler == null) {
                continue;
            }
            pending.owner(i);
            try {
                handler.handle(envelope.event(), envelope, tx);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EventApplyException(name, i, envelope, e);
            } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
                throw charged(batch, i, e);
            }
        }
        try {
            pending.flush();
        } catch (Exception e) {
            throw charged(batch, DeferredStatementException.UNKNOWN_EVENT, e);
        }
    }

    /** Applies {@code batch} in a context that holds no statement back. */
    void apply(List<Envelope> batch, C tx) throws Exception {
        apply(batch, tx, PendingStatements.none());
    }

    private void applyBatch(List<Envelope> batch, C tx, PendingStatements pending) throws Exception {
        pending.owner(DeferredStatementException.UNKNOWN_EVENT);
        try {
            batchHandler.handle(batch, tx);
            pending.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        } catch (AssertionError | StackOverflowError e) {
            throw new LockstepException("projection '" + name + "' batch handler failed: " + e, e);
        }
    }

    /**
     * Charges {@code failure}, thrown while the handler of event {@code current} ran (-1: after the last),
     * to its event: the one a {@link DeferredStatementException} names, else the current one.
     */
    private Exception charged(List<Envelope> batch, int current, Throwable failure) {
        DeferredStatementException deferred = Failures.find(failure, DeferredStatementException.class);
        int owner = deferred == null ? current : deferred.eventIndex();
        if (owner >= 0 && owner < batch.size()) {
            return new EventApplyException(name, owner, batch.get(owner), deferred == null ? failure : deferred);
        }
        if (failure instanceof Exception e) {
            return e;
        }
        return new LockstepException("projection '" + name + "' failed: " + failure, failure);
    }

    /** @return true when the projection handles whole batches */
    boolean handlesBatches() {
        return batchHandler != null;
    }

    private EventHandler<Object, C> handlerFor(Class<?> type) {
        EventHandler<Object, C> handler = resolved.get(type);
        if (handler == null && !resolved.containsKey(type)) {
            handler = lookUp(type);
            if (handler != null) {
                resolved.put(type, handler);
            }
        }
        return handler;
    }

    private EventHandler<Object, C> lookUp(Class<?> type) {
        EventHandler<Object, C> exact = handlers.get(type);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<Class<?>, EventHandler<Object, C>> entry : handlers.entrySet()) {
            if (entry.getKey().isAssignableFrom(type)) {
                return entry.getValue();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "Projection[" + name + " v" + version + "]";
    }

    /**
     * Collects a projection's definition; validates each setting as it is given and the whole in
     * {@link #build()}.
     *
     * @param <C> the transaction context
     */
    public static final class Builder<C> {
        private final String name;
        private int version = DEFAULT_VERSION;
        private final Map<Class<?>, EventHandler<Object, C>> handlers = new LinkedHashMap<>();
        private BatchHandler<C> batchHandler;
        private FailurePolicy failurePolicy = FailurePolicy.stop();
        private StatementMode statementMode = StatementMode.BATCHED;
        private ResetHandler<C> resetHandler;
        private RebuildStrategy<C> rebuildStrategy = RebuildStrategy.inPlace();

        private Builder(String name) {
            this.name = Arguments.requireKeyPart(name, "name", CheckpointKey.MAX_LENGTH);
        }

        /**
         * @param version the read model's version, 1..Integer.MAX_VALUE (default 1); raise it when a handler
         *                change needs the read model rebuilt
         */
        public Builder<C> version(int version) {
            this.version = Arguments.requireRange("version", version, 1, Integer.MAX_VALUE, DEFAULT_VERSION);
            return this;
        }

        /**
         * Registers the handler of {@code eventType}.
         *
         * @throws IllegalArgumentException when {@code eventType} already has a handler
         */
        @SuppressWarnings("unchecked")
        public <E> Builder<C> on(Class<E> eventType, EventHandler<? super E, C> handler) {
            Objects.requireNonNull(eventType, "eventType");
            Objects.requireNonNull(handler, "handler");
            if (handlers.containsKey(eventType)) {
                throw new IllegalArgumentException("projection '" + name + "' already has a handler for "
                        + eventType.getName() + "; register one handler per event type");
            }
            handlers.put(eventType, (EventHandler<Object, C>) handler);
            return this;
        }

        /** Replaces typed handlers by one handler of whole batches; see {@link BatchHandler}. */
        public Builder<C> onBatch(BatchHandler<C> handler) {
            this.batchHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** @param policy what happens to a poison event (default {@link FailurePolicy#stop()}) */
        public Builder<C> failurePolicy(FailurePolicy policy) {
            this.failurePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param handler clears the read model for a replay from -1 or a version rebuild, in the transaction
         *                that resets the checkpoint (default: none, and the projection cannot be replayed)
         */
        public Builder<C> onReset(ResetHandler<C> handler) {
            this.resetHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** @param strategy how a version bump rebuilds the read model (default {@link RebuildStrategy#inPlace()}) */
        public Builder<C> rebuild(RebuildStrategy<C> strategy) {
            this.rebuildStrategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * @param mode how handlers' statements are sent (default {@link StatementMode#BATCHED}: writes are
         *             held back and sent together, and their row counts read 0). Choose
         *             {@link StatementMode#IMMEDIATE} when handlers act on the row count a write returns
         *             or catch their own statements' failures.
         */
        public Builder<C> statementMode(StatementMode mode) {
            this.statementMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * @throws IllegalStateException    when the projection has no handler at all, or both typed handlers
         *                                  and a batch handler
         * @throws IllegalArgumentException when a side-by-side rebuild's checkpoint name, {@code name@v<version>},
         *                                  would be longer than {@link CheckpointKey#MAX_LENGTH}
         */
        public Projection<C> build() {
            if (batchHandler != null && !handlers.isEmpty()) {
                throw new IllegalStateException("projection '" + name + "' has both a batch handler and handlers for "
                        + handlers.keySet().stream().map(Class::getSimpleName).toList()
                        + "; use one form: on(...) per event type, or onBatch(...)");
            }
            if (batchHandler == null && handlers.isEmpty()) {
                throw new IllegalStateException(
                        "projection '" + name
                                + "' handles no event; register handlers with on(EventType.class, handler) or onBatch(handler)");
            }
            if (rebuildStrategy instanceof RebuildStrategy.SideBySide<C>) {
                String build = name + "@v" + version;
                if (build.codePointCount(0, build.length()) > CheckpointKey.MAX_LENGTH) {
                    throw new IllegalArgumentException("projection '"
                            + name.substring(0, name.offsetByCodePoints(0, 20))
                            + "...' rebuilds side by side under the checkpoint '<name>@v" + version + "', which would"
                            + " have " + build.codePointCount(0, build.length()) + " characters; the limit is "
                            + CheckpointKey.MAX_LENGTH + " (CheckpointKey.MAX_LENGTH): shorten the name to at most "
                            + (CheckpointKey.MAX_LENGTH - ("@v" + version).length()) + " characters");
                }
            }
            return new Projection<>(this);
        }
    }
}
