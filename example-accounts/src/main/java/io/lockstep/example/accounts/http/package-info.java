/** The HTTP API on Vert.x Web: strict JSON requests, refusals naming the field, read-your-writes through ?minPosition. */
package io.lockstep.example.accounts.http;
