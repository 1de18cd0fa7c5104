package com.example.quickstart;

import io.lockstep.postgres.eventlog.EventTypes;

/** The order events this application stores. */
public sealed interface OrderEvent {

    /** A customer placed an order worth {@code totalCents}. */
    record OrderPlaced(String orderId, String customer, long totalCents) implements OrderEvent {
    }

    /** A placed order was cancelled. */
    record OrderCancelled(String orderId) implements OrderEvent {
    }

    /** @return the stable names the events are stored under: renaming a class never changes them */
    static EventTypes types() {
        return EventTypes.builder()
                .register("OrderPlaced", OrderPlaced.class)
                .register("OrderCancelled", OrderCancelled.class)
                .build();
    }
}
