/**
 * Helpers shared between Lockstep's own modules. Not an API: application code must not use this
 * package (an ArchUnit rule keeps it so), and it may change in any release.
 */
package io.lockstep.projection.internal;
