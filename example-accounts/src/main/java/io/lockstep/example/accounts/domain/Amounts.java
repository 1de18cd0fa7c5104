package io.lockstep.example.accounts.domain;

/** The rule every amount follows: whole cents, positive, at most {@link #MAX_AMOUNT}. */
public final class Amounts {

    /** The largest amount one command may move: 1,000,000,000 cents (10 million in the currency's units). */
    public static final long MAX_AMOUNT = 1_000_000_000L;

    private Amounts() {}

    /**
     * @param field the name the caller knows the amount by, for the message
     * @return {@code amount}
     * @throws IllegalArgumentException naming the field, the value and the allowed range
     */
    public static long require(long amount, String field) {
        if (amount <= 0 || amount > MAX_AMOUNT) {
            throw new IllegalArgumentException(
                    field + " " + amount + " is out of range: amounts are whole cents from 1 to " + MAX_AMOUNT);
        }
        return amount;
    }
}
