package io.lockstep.example.accounts.readmodel;

/**
 * A row of {@code owner_summary}.
 *
 * @param openAccounts the owner's accounts not closed
 * @param totalBalance the balance of all the owner's accounts, closed ones included
 */
public record OwnerView(String owner, int openAccounts, long totalBalance, long lastPosition, String lastUpdatedAt) {}
