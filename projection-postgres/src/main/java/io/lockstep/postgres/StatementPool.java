package io.lockstep.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver statements of one batch's transaction that may be held back, kept open and reused by SQL
 * until the transaction ends, so that an event's statement costs no new driver statement. A statement
 * taken is the caller's alone until given back. Not thread-safe.
 */
final class StatementPool {

    private final Connection physical;
    private final Map<String, ArrayDeque<PooledStatement>> idle = new HashMap<>();
    private final List<PooledStatement> open = new ArrayList<>();

    StatementPool(Connection physical) {
        this.physical = physical;
    }

    /** @return an idle statement for {@code sql}, or a new one (not pooled when it cannot be held back) */
    PooledStatement take(String sql) throws SQLException {
        ArrayDeque<PooledStatement> free = idle.get(sql);
        if (free != null && !free.isEmpty()) {
            return free.pop();
        }
        PreparedStatement statement = physical.prepareStatement(sql);
        try {
            PooledStatement pooled = PooledStatement.of(statement);
            if (pooled.deferrable()) {
                open.add(pooled);
            }
            return pooled;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** Takes back {@code pooled} with its values cleared; one that cannot be held back is closed. */
    void giveBack(String sql, PooledStatement pooled) throws SQLException {
        if (!pooled.deferrable()) {
            pooled.statement().close();
            return;
        }
        pooled.statement().clearParameters();
        idle.computeIfAbsent(sql, key -> new ArrayDeque<>(2)).push(pooled);
    }

    /** Closes every statement: the transaction ended. */
    void close() {
        for (PooledStatement pooled : open) {
            try {
                pooled.statement().close();
            } catch (SQLException ignored) {
                // The connection goes back to its pool, which closes what is left.
            }
        }
        open.clear();
        idle.clear();
    }
}
