package io.lockstep.example.accounts.domain;

/**
 * A client-chosen id that makes a command safe to repeat ({@code Idempotency-Key} header): the first command
 * sent with it is carried out once; the same command sent again with it gets the first outcome, and nothing
 * more is appended. 1 to {@value #MAX_LENGTH} visible ASCII characters, e.g. a UUID.
 *
 * @param value the key as the client sent it
 */
public record IdempotencyKey(String value) {

    /** The longest key: {@value} characters. */
    public static final int MAX_LENGTH = 255;

    /** @throws IllegalArgumentException for an empty or longer key, or one with other than visible ASCII */
    public IdempotencyKey {
        if (value == null
                || value.isEmpty()
                || value.length() > MAX_LENGTH
                || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("Idempotency-Key '"
                    + (value == null ? "" : value.length() > 40 ? value.substring(0, 40) + "..." : value)
                    + "' is invalid: give 1 to " + MAX_LENGTH
                    + " visible ASCII characters (no spaces), e.g. a UUID, new for each command");
        }
    }
}
