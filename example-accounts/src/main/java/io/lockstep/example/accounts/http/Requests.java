package io.lockstep.example.accounts.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.lockstep.example.accounts.domain.Amounts;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Parses and checks request bodies strictly: a JSON object with known fields of the right JSON types only
 * (no numbers as strings, no fractions as whole numbers). Every refusal is an {@link ApiError} naming the
 * field.
 */
final class Requests {

    /** {@code POST /accounts}. */
    record OpenAccount(String owner, Long initialDeposit, String accountId) {}

    /** {@code POST /accounts/{id}/deposits} and {@code /withdrawals}. */
    record Movement(Long amount) {}

    /** {@code POST /accounts/{id}/close}: no fields. */
    record Close() {}

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(
                    LogicalType.Textual,
                    config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Requests() {}

    /** Parses the body {@link JsonBody} read for {@code ctx}; see {@link #parse(Buffer, String, Class)}. */
    static <T> T parse(RoutingContext ctx, Class<T> type) {
        return parse(JsonBody.of(ctx), JsonBody.contentType(ctx), type);
    }

    /**
     * @param body        the request body; an empty one reads as {@code {}} when {@code type} has no required field
     * @param contentType what the client declared the body to be, named when the body is not JSON
     * @throws ApiError 400 naming the field for malformed JSON, unknown fields and values of the wrong type
     */
    static <T> T parse(Buffer body, String contentType, Class<T> type) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        if (bytes.length == 0 || new String(bytes).isBlank()) {
            bytes = "{}".getBytes();
        }
        try {
            T parsed = MAPPER.readValue(bytes, type);
            if (parsed == null) {
                throw ApiError.badRequest(null, "the body must be a JSON object, e.g. {\"amount\": 500}; got null");
            }
            return parsed;
        } catch (UnrecognizedPropertyException e) {
            throw ApiError.badRequest(
                    e.getPropertyName(),
                    "unknown field '" + e.getPropertyName() + "'; this request takes "
                            + (e.getKnownPropertyIds().isEmpty()
                                    ? "no fields"
                                    : e.getKnownPropertyIds().stream()
                                            .map(Object::toString)
                                            .sorted()
                                            .collect(Collectors.joining(", "))));
        } catch (JsonParseException e) {
            if (e.getOriginalMessage().startsWith("Duplicate field")) {
                String field = fieldOf(e);
                throw ApiError.badRequest(field, field + " is given twice; give each field once");
            }
            throw ApiError.badRequest(null, "malformed JSON: " + e.getOriginalMessage() + notJson(contentType));
        } catch (InputCoercionException e) {
            String field = fieldOf(e);
            throw ApiError.badRequest(
                    field, field + " is out of range: amounts are whole cents from 1 to " + Amounts.MAX_AMOUNT);
        } catch (JsonMappingException e) {
            String field = fieldOf(e);
            if (field == null) {
                throw ApiError.badRequest(null, "the body must be a JSON object, e.g. {\"amount\": 500}");
            }
            if (e.getCause() instanceof InputCoercionException) {
                throw ApiError.badRequest(
                        field, field + " is out of range: amounts are whole cents from 1 to " + Amounts.MAX_AMOUNT);
            }
            throw ApiError.badRequest(field, field + " has the wrong type: " + expected(e));
        } catch (IOException e) {
            throw ApiError.badRequest(null, "malformed JSON: " + e.getMessage() + notJson(contentType));
        }
    }

    /** @return a note that the API reads every body as JSON, when the client declared another type */
    private static String notJson(String contentType) {
        String type = contentType.toLowerCase(java.util.Locale.ROOT);
        return type.contains("json")
                ? ""
                : " (the body was sent as Content-Type " + contentType
                        + "; the API reads every body as JSON: send e.g. {\"amount\": 500})";
    }

    /** @return the amount field's value, checked: present, whole cents, 1..{@link Amounts#MAX_AMOUNT} */
    static long amount(Long value, String field) {
        if (value == null) {
            throw ApiError.badRequest(
                    field, field + " is required: a whole number of cents from 1 to " + Amounts.MAX_AMOUNT);
        }
        try {
            return Amounts.require(value, field);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }

    private static String expected(JsonMappingException e) {
        Class<?> target = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mismatch
                ? mismatch.getTargetType()
                : null;
        if (target == Long.class || target == long.class) {
            return "give a whole number of cents as a JSON integer, e.g. 500 (not \"500\" or 5.0)";
        }
        if (target == String.class) {
            return "give a JSON string";
        }
        return e.getOriginalMessage();
    }

    private static String fieldOf(JacksonException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return mapping.getPath().getLast().getFieldName();
        }
        if (e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser parser) {
            try {
                return parser.currentName();
            } catch (IOException | RuntimeException ignored) {
                return null;
            }
        }
        return null;
    }
}
