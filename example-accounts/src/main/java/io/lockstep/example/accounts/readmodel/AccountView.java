package io.lockstep.example.accounts.readmodel;

/**
 * A row of {@code account_balance}.
 *
 * @param lastUpdatedAt when the last event that changed the row was recorded (ISO-8601, UTC)
 */
public record AccountView(
        String accountId,
        String owner,
        long balance,
        int transactions,
        boolean closed,
        long lastPosition,
        String lastUpdatedAt) {}
