package io.lockstep.postgres;

import io.lockstep.projection.LockstepException;

/**
 * A write statement affected a number of rows outside what its handler declared with
 * {@link ExpectedRows}. The batch rolls back and the event fails like any handler failure (see the
 * projection's failure policy).
 */
public final class UnexpectedRowCountException extends LockstepException {

    private static final long serialVersionUID = 1L;

    private final String statement;
    private final transient ExpectedRows expected;
    private final long actual;

    UnexpectedRowCountException(String statement, ExpectedRows expected, long actual) {
        super(describe(statement, expected, actual));
        this.statement = statement;
        this.expected = expected;
        this.actual = actual;
    }

    static String describe(String statement, ExpectedRows expected, long actual) {
        return "statement affected " + (actual == 1 ? "1 row" : actual + " rows") + ", expected " + expected
                + ": " + statement + "; the read model does not hold what the events imply (a row missing or"
                + " duplicated), or the expectation is wrong";
    }

    /** @return the statement, with its values */
    public String statement() {
        return statement;
    }

    /** @return what the handler declared */
    public ExpectedRows expected() {
        return expected;
    }

    /** @return the rows the statement affected */
    public long actual() {
        return actual;
    }
}
