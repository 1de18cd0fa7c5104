/**
 * Lockstep's projection model and runner: define a {@link io.lockstep.projection.Projection} with typed
 * handlers, run it with a {@link io.lockstep.projection.ProjectionRunner} over an
 * {@link io.lockstep.projection.EventSource} and a {@link io.lockstep.projection.ProjectionStore}, and every
 * batch's read-model writes commit atomically with its checkpoint. Depends on the JDK and slf4j-api only;
 * databases plug in through the store SPI (projection-postgres).
 */
package io.lockstep.projection;
