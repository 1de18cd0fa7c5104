/** The Redis replay benchmark: Lockstep's store against a hand-written Lettuce MULTI pipeline. */
package io.lockstep.redis.bench;
