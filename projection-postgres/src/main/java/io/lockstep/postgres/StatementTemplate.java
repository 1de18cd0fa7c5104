package io.lockstep.postgres;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jooq.Param;
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
 *
 * <p><b>Typed binding.</b> Each value is checked against the Java type its parameter was declared with
 * ({@code DSL.param("delta", Long.class)}), so swapped arguments of different kinds (text for a number, a
 * number for text, ...) fail at their first use with an {@link IllegalArgumentException} naming the parameter,
 * before anything is sent. Only the plain types are checked: text, numbers (any number fits a numeric
 * parameter, the server converts), booleans and UUIDs; parameters of other types (converted or forced types,
 * JSONB, arrays, enums, date and time) and those declared without a type take any value, which the driver
 * binds as it is. A value may be {@code null}.
 *
 * <p><b>Named binding.</b> Two parameters of the same kind cannot be told apart by type: bind them by name
 * instead, {@code tx.execute(TRANSFER.bind().set("from", a).set("to", b))} ({@link #bind()},
 * {@link TemplateBinding}); an unknown, repeated or missing name fails before anything is sent.
 */
public final class StatementTemplate {

    private final String sql;
    private final List<String> parameters;
    private final List<Class<?>> types;

    private StatementTemplate(String sql, List<String> parameters, List<Class<?>> types) {
        this.sql = sql;
        this.parameters = parameters;
        this.types = types;
    }

    /**
     * Renders {@code query} for PostgreSQL.
     *
     * @throws IllegalArgumentException when a parameter name occurs twice (its position would be ambiguous)
     */
    public static StatementTemplate of(Query query) {
        Objects.requireNonNull(query, "query");
        List<Map.Entry<String, Param<?>>> params = query.getParams().entrySet().stream()
                .filter(entry -> !entry.getValue().isInline())
                .toList();
        List<String> names = params.stream().map(Map.Entry::getKey).toList();
        int placeholders = query.getBindValues().size();
        if (names.size() != placeholders) {
            throw new IllegalArgumentException("statement has " + placeholders + " bind values but " + names.size()
                    + " distinct parameters " + names + "; give every parameter its own name: " + query);
        }
        String sql = DSL.using(SQLDialect.POSTGRES)
                .renderContext()
                .paramType(ParamType.INDEXED)
                .render(query);
        List<Class<?>> types = params.stream()
                .<Class<?>>map(entry -> entry.getValue().getType())
                .toList();
        return new StatementTemplate(sql, names, types);
    }

    /**
     * Starts binding values by parameter name, for {@link PostgresTransaction#execute(TemplateBinding)}: the way
     * to bind two or more parameters of the same kind, which positional values cannot tell apart.
     */
    public TemplateBinding bind() {
        return new TemplateBinding(this);
    }

    /** @return the rendered SQL, with {@code ?} placeholders */
    public String sql() {
        return sql;
    }

    /** @return the parameter names, in the order values are bound */
    public List<String> parameters() {
        return parameters;
    }

    /** @return the Java types the parameters were declared with, in the order values are bound */
    public List<Class<?>> parameterTypes() {
        return types;
    }

    /**
     * Checks {@code values} against the parameters: their number, and each value's type.
     *
     * @throws IllegalArgumentException naming the parameter, its type and the value, when one does not fit
     */
    void check(Object[] values) {
        if (values.length != parameters.size()) {
            throw new IllegalArgumentException("statement takes " + parameters.size() + " values " + parameters
                    + " but got " + values.length + ": " + sql);
        }
        int i = misfit(values);
        if (i >= 0) {
            throw new IllegalArgumentException("value " + (i + 1) + " for parameter '" + parameters.get(i)
                    + "' must be a " + types.get(i).getSimpleName() + " but is the "
                    + values[i].getClass().getSimpleName() + " " + values[i] + "; pass the values in the order "
                    + parameters + ": " + sql);
        }
    }

    /** @return the index of the first value that does not fit its parameter's type, -1 when all fit */
    int misfit(Object[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null && !fits(types.get(i), values[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return false when {@code value} cannot be meant for a parameter declared as {@code declared}: text for a
     *         number, a number for text, and so on. Only the plain types are checked (text, numbers, booleans,
     *         UUIDs); any number fits a numeric parameter (the server converts), and parameters of other types
     *         (converted or forced types, JSONB, arrays, enums, date and time) are left to the driver and server.
     */
    private static boolean fits(Class<?> declared, Object value) {
        if (declared == String.class) {
            return value instanceof String;
        }
        if (Number.class.isAssignableFrom(declared)) {
            return value instanceof Number;
        }
        if (declared == Boolean.class) {
            return value instanceof Boolean;
        }
        if (declared == java.util.UUID.class) {
            return value instanceof java.util.UUID;
        }
        return true;
    }

    @Override
    public String toString() {
        return sql;
    }
}
