package io.lockstep.postgres;

/**
 * The number of rows a write statement must affect, checked also when the statement is held back to be
 * sent with others ({@link io.lockstep.projection.StatementMode#BATCHED}): a statement outside the range
 * fails its event with an {@link UnexpectedRowCountException} naming the statement and the count. Use it
 * where a count of 0 means the read model and the events disagree (an update of an account that was
 * never opened):
 *
 * <pre>{@code
 * tx.execute(ExpectedRows.exactly(1), DEPOSIT, event.amount(), event.accountId());
 * }</pre>
 *
 * @param min the fewest rows, >= 0
 * @param max the most rows, >= min
 */
public record ExpectedRows(long min, long max) {

    /** Validates the range. */
    public ExpectedRows {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("expected rows " + min + ".." + max + " make no sense; use"
                    + " 0 <= min <= max, e.g. ExpectedRows.exactly(1)");
        }
    }

    /** @return exactly {@code rows} rows (>= 0) */
    public static ExpectedRows exactly(long rows) {
        return new ExpectedRows(rows, rows);
    }

    /** @return {@code rows} (>= 0) or more */
    public static ExpectedRows atLeast(long rows) {
        return new ExpectedRows(rows, Long.MAX_VALUE);
    }

    /** @return at most {@code rows} (>= 0) */
    public static ExpectedRows atMost(long rows) {
        return new ExpectedRows(0, rows);
    }

    /** @return true when {@code count} rows are in the range */
    public boolean matches(long count) {
        return count >= min && count <= max;
    }

    @Override
    public String toString() {
        if (min == max) {
            return "exactly " + rows(min);
        }
        if (max == Long.MAX_VALUE) {
            return "at least " + rows(min);
        }
        return min == 0 ? "at most " + rows(max) : "between " + min + " and " + rows(max);
    }

    private static String rows(long count) {
        return count == 1 ? "1 row" : count + " rows";
    }
}
