package io.lockstep.projection;

/** Event types shared by the runner tests. */
final class TestEvents {

    private TestEvents() {}

    /** The events of an account; handlers may be registered for the interface. */
    sealed interface AccountEvent permits Deposited, Withdrawn {}

    record Deposited(String account, long amount) implements AccountEvent {}

    record Withdrawn(String account, long amount) implements AccountEvent {}

    /** An event the test projections have no handler for. */
    record Unrelated(String note) {}

    /** An event whose handler always fails. */
    record Poison(String reason) {}

    /** A chain of event interfaces, each extending the one before, and an event at its bottom. */
    static final class Levels {
        interface L0 {}

        interface L1 extends L0 {}

        interface L2 extends L1 {}

        interface L3 extends L2 {}

        interface L4 extends L3 {}

        interface L5 extends L4 {}

        interface L6 extends L5 {}

        interface L7 extends L6 {}

        record Deep() implements L7 {}

        /** The levels, most general first. */
        static final java.util.List<Class<?>> ALL =
                java.util.List.of(L0.class, L1.class, L2.class, L3.class, L4.class, L5.class, L6.class, L7.class);

        private Levels() {}
    }

    /** An event whose handler blocks until the test lets it go. */
    record Blocking(String note) {}
}
