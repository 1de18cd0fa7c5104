package io.lockstep.postgres;

import java.util.List;
import java.util.Objects;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;

/**
 * A jOOQ write statement rendered to SQL once, then executed per event with new bind values through
 * {@link PostgresTransaction#execute(StatementTemplate, Object...)}. Immutable and thread-safe: keep one in
 * a static field.
 *
 * <p>Why: jOOQ builds and renders a statement in a few microseconds, which at tens of thousands of events
 * per second is most of a replay's CPU. A template pays that once. Write the statement with jOOQ as usual,
 * with {@link DSL#param(String, Class)} where per-event values go:
 *
 * <pre>{@code
 * static final StatementTemplate CREDIT = StatementTemplate.of(DSL.update(ACCOUNT_BALANCE)
 *         .set(BALANCE, BALANCE.plus(DSL.param("delta", Long.class)))
 *         .where(ACCOUNT_ID.eq(DSL.param("accountId", String.class))));
 * ...
 * .on(FundsDeposited.class, (event, envelope, tx) -> tx.execute(CREDIT, event.amount(), event.accountId()))
 * }</pre>
 *
 * <p>Values are bound in the order the parameters appear in the rendered statement, which
 * {@link #parameters()} lists; each must be a value the PostgreSQL driver binds with
 * {@code setObject} (String, Long, Integer, Boolean, BigDecimal, UUID, OffsetDateTime, ...).
 */
public final class StatementTemplate {

    private final String sql;
    private final List<String> parameters;

    private StatementTemplate(String sql, List<String> parameters) {
        this.sql = sql;
        this.parameters = parameters;
    }

    /**
     * Renders {@code query} for PostgreSQL.
     *
     * @throws IllegalArgumentException when a parameter name occurs twice (its position would be ambiguous)
     */
    public static StatementTemplate of(Query query) {
        Objects.requireNonNull(query, "query");
        List<String> names = query.getParams().entrySet().stream()
                .filter(entry -> !entry.getValue().isInline())
                .map(java.util.Map.Entry::getKey)
                .toList();
        int placeholders = query.getBindValues().size();
        if (names.size() != placeholders) {
            throw new IllegalArgumentException("statement has " + placeholders + " bind values but " + names.size()
                    + " distinct parameters " + names + "; give every parameter its own name: " + query);
        }
        String sql = DSL.using(SQLDialect.POSTGRES).renderContext().paramType(ParamType.INDEXED).render(query);
        return new StatementTemplate(sql, names);
    }

    /** @return the rendered SQL, with {@code ?} placeholders */
    public String sql() {
        return sql;
    }

    /** @return the parameter names, in the order values are bound */
    public List<String> parameters() {
        return parameters;
    }

    void checkArity(Object[] values) {
        if (values.length != parameters.size()) {
            throw new IllegalArgumentException("statement takes " + parameters.size() + " values " + parameters
                    + " but got " + values.length + ": " + sql);
        }
    }

    @Override
    public String toString() {
        return sql;
    }
}
