/**
 * Lockstep in a Vert.x application: {@link io.lockstep.vertx.ProjectionVerticle} runs projection runners
 * (their JDBC work stays off the event loop), {@link io.lockstep.vertx.ProjectionManagement} operates them
 * over the event bus and HTTP (status, pause, resume, replay, reset), {@link io.lockstep.vertx.ProjectionMetrics}
 * publishes Micrometer meters and {@link io.lockstep.vertx.ProjectionHealth} judges their health.
 */
package io.lockstep.vertx;
