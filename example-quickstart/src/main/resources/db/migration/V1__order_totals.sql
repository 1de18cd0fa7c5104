-- The application's own read model: one row per customer, kept by the order-totals projection.
CREATE TABLE customer_totals (
    customer     VARCHAR(100) PRIMARY KEY,
    open_orders  INTEGER      NOT NULL,
    total_cents  BIGINT       NOT NULL
);

-- Each placed order, so that a cancellation knows whose total to lower and by how much.
CREATE TABLE placed_orders (
    order_id     VARCHAR(64)  PRIMARY KEY,
    customer     VARCHAR(100) NOT NULL,
    total_cents  BIGINT       NOT NULL,
    cancelled    BOOLEAN      NOT NULL
);
