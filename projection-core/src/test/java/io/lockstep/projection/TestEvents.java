package io.lockstep.projection;

/** Event types shared by the runner tests. */
final class TestEvents {

    private TestEvents() {
    }

    /** The events of an account; handlers may be registered for the interface. */
    sealed interface AccountEvent permits Deposited, Withdrawn {
    }

    record Deposited(String account, long amount) implements AccountEvent {
    }

    record Withdrawn(String account, long amount) implements AccountEvent {
    }

    /** An event the test projections have no handler for. */
    record Unrelated(String note) {
    }

    /** An event whose handler always fails. */
    record Poison(String reason) {
    }

    /** An event whose handler blocks until the test lets it go. */
    record Blocking(String note) {
    }
}
