package io.lockstep.vertx;

import io.vertx.core.json.JsonObject;

/**
 * An operator's command, as sent on the event bus ({@code {"action": "pause", "projection": "balances"}}) or
 * derived from an HTTP request. {@link #parse} validates everything before anything is done.
 */
public sealed interface ManagementCommand {

    /** Every projection's status. */
    record Status() implements ManagementCommand {
    }

    /** Pause a projection (stored: survives restarts). */
    record Pause(String projection) implements ManagementCommand {
    }

    /** Resume a paused projection. */
    record Resume(String projection) implements ManagementCommand {
    }

    /** Replay a projection from -1: reset handler and checkpoint in one transaction. */
    record Replay(String projection) implements ManagementCommand {
    }

    /** Expert: set a projection's checkpoint to {@code position} (>= -1) without touching its read model. */
    record Reset(String projection, long position) implements ManagementCommand {
    }

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
            throw ManagementException.badRequest("field 'action' is missing or not a string; use one of status,"
                    + " pause, resume, replay, reset");
        }
        return switch (name) {
            case "status" -> new Status();
            case "pause" -> new Pause(projection(json));
            case "resume" -> new Resume(projection(json));
            case "replay" -> new Replay(projection(json));
            case "reset" -> new Reset(projection(json), position(json));
            default -> throw ManagementException.badRequest("unknown action '" + name + "'; use one of status, pause,"
                    + " resume, replay, reset");
        };
    }

    private static String projection(JsonObject json) {
        Object value = json.getValue("projection");
        if (!(value instanceof String name) || name.isBlank()) {
            throw ManagementException.badRequest("field 'projection' is missing or blank; name the projection, e.g."
                    + " {\"action\": \"pause\", \"projection\": \"account-balances\"}");
        }
        return name;
    }

    private static long position(JsonObject json) {
        Object value = json.getValue("position");
        if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
            throw ManagementException.badRequest("field 'position' is missing or not a whole number; give the"
                    + " checkpoint to set, >= -1 (-1 replays everything without clearing the read model)");
        }
        long position = number.longValue();
        if (position < -1) {
            throw ManagementException.badRequest("position " + position + " is out of range: it must be >= -1");
        }
        return position;
    }
}
