package io.lockstep.postgres;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Set;

/**
 * Wraps a batch's connection so that handlers cannot end or reshape the transaction Lockstep owns:
 * {@code commit()}, {@code rollback()}, {@code close()}, {@code setAutoCommit}, {@code setTransactionIsolation}
 * and {@code setReadOnly} throw. Savepoints stay allowed. Everything else is passed through.
 */
final class GuardedConnection implements InvocationHandler {

    private static final Set<String> FORBIDDEN =
            Set.of("commit", "close", "abort", "setAutoCommit", "setTransactionIsolation", "setReadOnly");

    private final Connection delegate;

    private GuardedConnection(Connection delegate) {
        this.delegate = delegate;
    }

    static Connection wrap(Connection connection) {
        return (Connection) Proxy.newProxyInstance(
                GuardedConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                new GuardedConnection(connection));
    }

    /** @return the failure of a handler's call of {@code method}, one that would end Lockstep's transaction */
    static UnsupportedOperationException refused(String method) {
        return new UnsupportedOperationException("a handler called Connection." + method + "() on the batch's"
                + " connection; Lockstep owns that transaction (it commits the read model with the checkpoint)."
                + " Write through tx.dsl() or tx.connection() only; for a nested unit use"
                + " tx.dsl().transaction(...), which becomes a savepoint");
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (FORBIDDEN.contains(name) || ("rollback".equals(name) && method.getParameterCount() == 0)) {
            throw refused(name);
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
