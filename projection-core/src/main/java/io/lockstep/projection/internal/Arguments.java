package io.lockstep.projection.internal;

import java.util.Objects;

/**
 * Argument checks shared by Lockstep's modules, so every entry point reports bad input the same way.
 * Internal: not part of the API.
 */
public final class Arguments {

    /** The lowest valid position: "nothing processed yet". */
    public static final long NO_POSITION = -1L;

    private Arguments() {}

    /**
     * Checks a name that PostgreSQL stores as text: a projection, tenant, stream or event type.
     *
     * @throws NullPointerException     when {@code value} is null, naming {@code parameter}
     * @throws IllegalArgumentException when {@code value} is empty or blank, or contains U+0000 (PostgreSQL's
     *                                  text cannot hold it)
     */
    public static String requireName(String value, String parameter) {
        Objects.requireNonNull(value, parameter);
        if (value.isBlank()) {
            throw new IllegalArgumentException(parameter + " must not be empty or blank (got '" + value
                    + "'); pass the stable name that identifies it, e.g. \"account-balances\"");
        }
        int nul = value.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException(parameter + " '" + value.replace('\0', '?') + "' contains U+0000 (NUL)"
                    + " at index " + nul + ", which PostgreSQL cannot store in text; remove it");
        }
        return value;
    }

    /**
     * Checks a part of a checkpoint key (a projection name or a tenant id): a {@link #requireName name} of at
     * most {@code maxLength} characters (Unicode code points).
     *
     * @throws IllegalArgumentException naming the parameter, the length found and the limit
     */
    public static String requireKeyPart(String value, String parameter, int maxLength) {
        requireName(value, parameter);
        int length = value.codePointCount(0, value.length());
        if (length > maxLength) {
            throw new IllegalArgumentException(parameter + " '" + value.substring(0, value.offsetByCodePoints(0, 20))
                    + "...' has " + length + " characters; the limit is " + maxLength
                    + " (CheckpointKey.MAX_LENGTH, so that a checkpoint's key fits PostgreSQL's index entry);"
                    + " use a shorter name");
        }
        return value;
    }

    /**
     * Checks a checkpoint position.
     *
     * @throws IllegalArgumentException when {@code position} is below -1
     */
    public static long requirePosition(long position, String parameter) {
        if (position < NO_POSITION) {
            throw new IllegalArgumentException(parameter + " " + position
                    + " is out of range: it must be >= -1 (-1 means \"nothing processed yet\")");
        }
        return position;
    }

    /**
     * Checks an integer setting against an inclusive range.
     *
     * @throws IllegalArgumentException naming the setting, the value, the range and the default
     */
    public static int requireRange(String setting, int value, int min, int max, int defaultValue) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " " + value + " makes no sense; use " + min + ".." + max
                    + " (default " + defaultValue + ")");
        }
        return value;
    }
}
