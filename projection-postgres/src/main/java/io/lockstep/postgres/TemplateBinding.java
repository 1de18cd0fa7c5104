package io.lockstep.postgres;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The values of one execution of a {@link StatementTemplate}, bound by parameter name, so no two values can be
 * swapped by their order, even two of the same kind:
 *
 * <pre>{@code
 * tx.execute(TRANSFER.bind().set("from", event.from()).set("to", event.to()).set("amount", event.amount()));
 * }</pre>
 *
 * <p>A name the template does not have, or one set twice, fails at once; a parameter left unset fails when the
 * binding is executed; each value is checked against its parameter's type as with positional values. In every
 * case the {@link IllegalArgumentException} names the parameters, and nothing is sent. One binding per execution;
 * not thread-safe.
 */
public final class TemplateBinding {

    private static final Object UNSET = new Object();

    private final StatementTemplate template;
    private final Object[] values;

    TemplateBinding(StatementTemplate template) {
        this.template = template;
        this.values = new Object[template.parameters().size()];
        Arrays.fill(values, UNSET);
    }

    /**
     * Binds {@code value} (may be null) to the parameter named {@code name}.
     *
     * @return this binding
     * @throws IllegalArgumentException when the template has no such parameter, or it is already bound
     */
    public TemplateBinding set(String name, Object value) {
        Objects.requireNonNull(name, "name");
        int index = template.parameters().indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("statement has no parameter '" + name + "'; its parameters are "
                    + template.parameters() + ": " + template.sql());
        }
        if (values[index] != UNSET) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' is bound twice; bind each of " + template.parameters() + " once");
        }
        values[index] = value;
        return this;
    }

    /** @return the template these values are for */
    public StatementTemplate template() {
        return template;
    }

    /**
     * @return the values in bind order, checked against the parameter types
     * @throws IllegalArgumentException naming the parameters left unbound, or one whose value does not fit
     */
    Object[] values() {
        List<String> unbound = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] == UNSET) {
                unbound.add(template.parameters().get(i));
            }
        }
        if (!unbound.isEmpty()) {
            throw new IllegalArgumentException("parameter(s) " + unbound + " are not bound; set each of "
                    + template.parameters() + ": " + template.sql());
        }
        int misfit = template.misfit(values);
        if (misfit >= 0) {
            throw new IllegalArgumentException(
                    "parameter '" + template.parameters().get(misfit) + "' must be a "
                            + template.parameterTypes().get(misfit).getSimpleName() + " but is bound to the "
                            + values[misfit].getClass().getSimpleName() + " " + values[misfit] + ": " + template.sql());
        }
        return values;
    }
}
