package io.lockstep.vertx;

import io.vertx.core.json.JsonObject;

/**
 * An operator's command, as sent on the event bus ({@code {"action": "pause", "projection": "balances"}}) or
 * derived from an HTTP request. {@link #parse} validates everything before anything is done.
 */
public sealed interface ManagementCommand {

    /** Every projection's status. */
    record Status() implements ManagementCommand {}

    /** Names a projection: {@code tenant} is null when the command does not name one. */
    record Target(String projection, String tenant) {}

    /** Pause a projection (stored: survives restarts). */
    record Pause(Target target) implements ManagementCommand {}

    /** Resume a paused projection; retry a FAILED one from its checkpoint (once the cause is fixed). */
    record Resume(Target target) implements ManagementCommand {}

    /** Replay a projection from -1: reset handler and checkpoint in one transaction. */
    record Replay(Target target) implements ManagementCommand {}

    /** Expert: set a projection's checkpoint to {@code position} (>= -1) without touching its read model. */
    record Reset(Target target, long position) implements ManagementCommand {}

    /**
     * Reads a command from JSON.
     *
     * @throws ManagementException with status 400 naming the field and the fix
     */
    static ManagementCommand parse(JsonObject json) {
        if (json == null) {
            throw ManagementException.badRequest("the command must be a JSON object, e.g. {\"action\": \"status\"}");
        }
        Object action = json.getValue("action");
        if (!(action instanceof String name)) {
            throw ManagementException.badRequest(
                    "field 'action' is missing or not a string; use one of status," + " pause, resume, replay, reset");
        }
        return switch (name) {
            case "status" -> new Status();
            case "pause" -> new Pause(target(json));
            case "resume" -> new Resume(target(json));
            case "replay" -> new Replay(target(json));
            case "reset" -> new Reset(target(json), position(json));
            default ->
                throw ManagementException.badRequest(
                        "unknown action '" + name + "'; use one of status, pause," + " resume, replay, reset");
        };
    }

    private static Target target(JsonObject json) {
        Object value = json.getValue("projection");
        if (!(value instanceof String name) || name.isBlank()) {
            throw ManagementException.badRequest("field 'projection' is missing or blank; name the projection, e.g."
                    + " {\"action\": \"pause\", \"projection\": \"account-balances\"}");
        }
        Object tenant = json.getValue("tenant");
        if (tenant != null && !(tenant instanceof String)) {
            throw ManagementException.badRequest("field 'tenant' must be a string when given");
        }
        return new Target(name, (String) tenant);
    }

    private static long position(JsonObject json) {
        Object value = json.getValue("position");
        long position;
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            position = ((Number) value).longValue();
        } else if (value instanceof java.math.BigInteger big && big.bitLength() < 64) {
            position = big.longValue();
        } else {
            throw ManagementException.badRequest("field 'position' is missing, not a whole number or out of range ("
                    + value + "); give the checkpoint to set, -1.." + Long.MAX_VALUE
                    + " (-1 replays everything without clearing the read model)");
        }
        if (position < -1) {
            throw ManagementException.badRequest("position " + position + " is out of range: it must be >= -1");
        }
        return position;
    }
}
