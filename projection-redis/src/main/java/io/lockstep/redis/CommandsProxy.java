package io.lockstep.redis;

import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Builds the {@link RedisBatchCommands} a handler sees: every call first lets the transaction open its
 * MULTI, then goes to Lettuce's synchronous API of the batch's connection, which queues it and returns null.
 * A proxy implementing only {@link RedisBatchCommands} keeps EXEC, DISCARD and the rest out of reach (a cast
 * to Lettuce's full API fails).
 */
final class CommandsProxy {

    private CommandsProxy() {}

    static RedisBatchCommands create(RedisTransaction tx, RedisCommands<String, String> sync) {
        return (RedisBatchCommands) Proxy.newProxyInstance(
                RedisBatchCommands.class.getClassLoader(),
                new Class<?>[] {RedisBatchCommands.class},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return objectMethod(proxy, method, args, tx);
                    }
                    tx.beforeCommand();
                    try {
                        return method.invoke(sync, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args, RedisTransaction tx) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "RedisBatchCommands of " + tx;
        };
    }
}
