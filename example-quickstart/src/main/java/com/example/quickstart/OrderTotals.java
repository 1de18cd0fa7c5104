package com.example.quickstart;

import static com.example.quickstart.jooq.Tables.CUSTOMER_TOTALS;
import static com.example.quickstart.jooq.Tables.PLACED_ORDERS;

import com.example.quickstart.OrderEvent.OrderCancelled;
import com.example.quickstart.OrderEvent.OrderPlaced;
import com.example.quickstart.jooq.tables.records.PlacedOrdersRecord;
import io.lockstep.postgres.PostgresTransaction;
import io.lockstep.projection.Projection;

/**
 * The order-totals projection: per customer, how many orders are open and what they are worth. Each handler
 * writes through the batch's transaction ({@code tx.dsl()}), which also carries the checkpoint, so every event
 * counts exactly once.
 */
public final class OrderTotals {

    /** The projection's name: its checkpoint is stored under it. */
    public static final String NAME = "order-totals";

    private OrderTotals() {
    }

    /** @return the projection: one handler per event type, and a reset handler so it can be replayed from -1 */
    public static Projection<PostgresTransaction> projection() {
        // README example: start
        return Projection.<PostgresTransaction>builder(NAME)
                .on(OrderPlaced.class, (event, envelope, tx) -> {
                    tx.dsl().insertInto(PLACED_ORDERS)
                            .set(PLACED_ORDERS.ORDER_ID, event.orderId())
                            .set(PLACED_ORDERS.CUSTOMER, event.customer())
                            .set(PLACED_ORDERS.TOTAL_CENTS, event.totalCents())
                            .set(PLACED_ORDERS.CANCELLED, false)
                            .execute();
                    tx.dsl().insertInto(CUSTOMER_TOTALS)
                            .set(CUSTOMER_TOTALS.CUSTOMER, event.customer())
                            .set(CUSTOMER_TOTALS.OPEN_ORDERS, 1)
                            .set(CUSTOMER_TOTALS.TOTAL_CENTS, event.totalCents())
                            .onConflict(CUSTOMER_TOTALS.CUSTOMER).doUpdate()
                            .set(CUSTOMER_TOTALS.OPEN_ORDERS, CUSTOMER_TOTALS.OPEN_ORDERS.plus(1))
                            .set(CUSTOMER_TOTALS.TOTAL_CENTS, CUSTOMER_TOTALS.TOTAL_CENTS.plus(event.totalCents()))
                            .execute();
                })
                .on(OrderCancelled.class, (event, envelope, tx) -> {
                    // a read inside a handler sees every earlier write of the batch
                    PlacedOrdersRecord order = tx.dsl().selectFrom(PLACED_ORDERS)
                            .where(PLACED_ORDERS.ORDER_ID.eq(event.orderId())).fetchSingle();
                    if (order.getCancelled()) {
                        return;
                    }
                    tx.dsl().update(PLACED_ORDERS).set(PLACED_ORDERS.CANCELLED, true)
                            .where(PLACED_ORDERS.ORDER_ID.eq(event.orderId())).execute();
                    tx.dsl().update(CUSTOMER_TOTALS)
                            .set(CUSTOMER_TOTALS.OPEN_ORDERS, CUSTOMER_TOTALS.OPEN_ORDERS.minus(1))
                            .set(CUSTOMER_TOTALS.TOTAL_CENTS, CUSTOMER_TOTALS.TOTAL_CENTS.minus(order.getTotalCents()))
                            .where(CUSTOMER_TOTALS.CUSTOMER.eq(order.getCustomer())).execute();
                })
                .onReset(tx -> {                      // replay from -1 starts from empty tables
                    tx.dsl().deleteFrom(CUSTOMER_TOTALS).execute();
                    tx.dsl().deleteFrom(PLACED_ORDERS).execute();
                })
                .build();
        // README example: end
    }
}
