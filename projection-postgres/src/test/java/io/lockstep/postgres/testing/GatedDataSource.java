package io.lockstep.postgres.testing;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source in front of another one that can be shut like a gate: while closed, {@link #getConnection()}
 * fails at once as an unreachable server would, and connections already handed out keep working. For tests
 * that need a component to stay disconnected for a while. Thread-safe.
 */
public final class GatedDataSource implements DataSource {

    private final DataSource delegate;
    private final AtomicInteger refusals = new AtomicInteger();
    private volatile boolean open = true;

    public GatedDataSource(DataSource delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Refuses new connections from now on. */
    public void shut() {
        open = false;
    }

    /** Hands out connections again. */
    public void open() {
        open = true;
    }

    /** @return how many connection requests the gate refused so far */
    public int refusals() {
        return refusals.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (!open) {
            refusals.incrementAndGet();
            throw new SQLTransientConnectionException("test gate is closed: no new connections", "08001");
        }
        return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("GatedDataSource hands out the delegate's default connections only");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return delegate.isWrapperFor(type);
    }
}
