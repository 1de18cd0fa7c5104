package io.lockstep.example.accounts.domain;

import io.lockstep.postgres.eventlog.EventTypes;

/** The stable names the accounts events are stored under. Renaming a class never changes them. */
public final class AccountEventTypes {

    private AccountEventTypes() {}

    /** @return the registry of the four account events */
    public static EventTypes registry() {
        return EventTypes.builder()
                .register("AccountCreated", AccountEvent.AccountCreated.class)
                .register("FundsDeposited", AccountEvent.FundsDeposited.class)
                .register("FundsWithdrawn", AccountEvent.FundsWithdrawn.class)
                .register("AccountClosed", AccountEvent.AccountClosed.class)
                .build();
    }
}
