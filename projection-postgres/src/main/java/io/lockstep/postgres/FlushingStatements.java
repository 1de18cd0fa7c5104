package io.lockstep.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Statement;

/**
 * Wraps the statements of a {@link PipelinedConnection} that are never held back (plain statements,
 * calls, statements returning generated keys): each execution first sends what is held back, so the server
 * sees them in the order they were issued. Off the hot path, hence a dynamic proxy.
 */
final class FlushingStatements {

    private FlushingStatements() {}

    static <S extends Statement> S wrap(S statement, Class<S> type, PipelinedConnection connection) {
        return type.cast(Proxy.newProxyInstance(
                FlushingStatements.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.startsWith("execute") || name.equals("unwrap")) {
                        connection.flush();
                    } else if (name.equals("getConnection")) {
                        return connection;
                    }
                    try {
                        return method.invoke(statement, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }
}
