package io.lockstep.projection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls a {@link ProjectionListener} so that its failure never disturbs the runner. */
final class Listeners {

    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private Listeners() {}

    static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("a projection listener failed; ignored", e);
        }
    }
}
