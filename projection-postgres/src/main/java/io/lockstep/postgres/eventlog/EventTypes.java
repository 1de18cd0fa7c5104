package io.lockstep.postgres.eventlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.projection.UndecodableEvent;
import io.lockstep.projection.internal.Arguments;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Maps stable event type names to Java classes (records, usually) and back, and turns events into JSON and
 * back with Jackson. The stored name, not the class name, identifies a type: rename or move a class freely,
 * never change its registered name. Immutable and thread-safe once built.
 *
 * <pre>{@code
 * EventTypes types = EventTypes.builder()
 *         .register("AccountCreated", AccountCreated.class)
 *         .register("FundsDeposited", FundsDeposited.class)
 *         .build();
 * }</pre>
 */
public final class EventTypes {

    private final Map<String, Class<?>> classesByName;
    private final Map<Class<?>, String> namesByClass;
    private final ObjectMapper json;

    private EventTypes(Builder builder) {
        this.classesByName = Map.copyOf(builder.classesByName);
        this.namesByClass = Map.copyOf(builder.namesByClass);
        this.json = builder.json;
    }

    /** @return a builder with a default Jackson mapper (unknown JSON properties are ignored on read) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the registered name of {@code event}'s class
     * @throws IllegalArgumentException when the class is not registered
     */
    public String nameOf(Object event) {
        Objects.requireNonNull(event, "event");
        String name = namesByClass.get(event.getClass());
        if (name == null) {
            throw new IllegalArgumentException("event class " + event.getClass().getName() + " is not registered;"
                    + " add .register(\"" + event.getClass().getSimpleName() + "\", "
                    + event.getClass().getSimpleName()
                    + ".class) to the EventTypes builder");
        }
        return name;
    }

    /** @return {@code event} as JSON */
    public String toJson(Object event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot serialise " + event.getClass().getName() + " to JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Decodes a stored event; never throws for bad data.
     *
     * @return the event, or an {@link UndecodableEvent} saying why it could not be decoded
     */
    public Object decode(String eventType, String payload) {
        Class<?> type = classesByName.get(eventType);
        if (type == null) {
            return new UndecodableEvent(
                    eventType,
                    payload,
                    "unknown event type '" + eventType + "' (registered: "
                            + new java.util.TreeSet<>(classesByName.keySet()) + ")");
        }
        try {
            return json.readValue(payload, type);
        } catch (JsonProcessingException e) {
            return new UndecodableEvent(
                    eventType, payload, "malformed " + eventType + " payload: " + e.getOriginalMessage());
        }
    }

    /** Decodes a metadata JSON object of strings. */
    Map<String, String> decodeMetadata(String metadata) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = json.readValue(metadata, Map.class);
            Map<String, String> strings = new HashMap<>();
            raw.forEach((k, v) -> strings.put(k, String.valueOf(v)));
            return strings;
        } catch (JsonProcessingException e) {
            return Map.of("lockstep.undecodableMetadata", metadata);
        }
    }

    /** Encodes metadata as a JSON object. */
    String encodeMetadata(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return "{}";
        }
        try {
            return json.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise metadata " + metadata, e);
        }
    }

    /** Collects the type registrations. */
    public static final class Builder {
        private final Map<String, Class<?>> classesByName = new HashMap<>();
        private final Map<Class<?>, String> namesByClass = new HashMap<>();
        private ObjectMapper json =
                new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

        private Builder() {}

        /**
         * Registers {@code type} under the stable {@code name}.
         *
         * @throws IllegalArgumentException when the name or the class is already registered
         */
        public Builder register(String name, Class<?> type) {
            Arguments.requireName(name, "name");
            Objects.requireNonNull(type, "type");
            if (classesByName.containsKey(name)) {
                throw new IllegalArgumentException("event type name '" + name + "' is already registered for "
                        + classesByName.get(name).getName() + "; every type needs a name of its own");
            }
            if (namesByClass.containsKey(type)) {
                throw new IllegalArgumentException(type.getName() + " is already registered as '"
                        + namesByClass.get(type) + "'; register each class once");
            }
            classesByName.put(name, type);
            namesByClass.put(type, name);
            return this;
        }

        /** @param mapper the Jackson mapper to use instead of the default one */
        public Builder objectMapper(ObjectMapper mapper) {
            this.json = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** @throws IllegalStateException when no type is registered */
        public EventTypes build() {
            if (classesByName.isEmpty()) {
                throw new IllegalStateException("no event type registered; call register(name, EventClass.class)");
            }
            return new EventTypes(this);
        }
    }
}
