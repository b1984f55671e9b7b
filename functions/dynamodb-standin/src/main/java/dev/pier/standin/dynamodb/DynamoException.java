package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An error answered to the client in DynamoDB's JSON error form (HTTP 400 unless stated). */
final class DynamoException extends RuntimeException {

    private static final String PREFIX = "com.amazonaws.dynamodb.v20120810#";

    final String type;
    final int status;
    /** Extra top-level fields of the error body, e.g. {@code Item} or {@code CancellationReasons}. */
    final ObjectNode extra = JsonNodeFactory.instance.objectNode();

    DynamoException(String type, String message) {
        this(type, 400, message);
    }

    DynamoException(String type, int status, String message) {
        super(message, null, false, false);
        this.type = type;
        this.status = status;
    }

    static DynamoException validation(String message) {
        return new DynamoException(PREFIX + "ValidationException", message);
    }

    static DynamoException conditionalCheckFailed() {
        return new DynamoException(PREFIX + "ConditionalCheckFailedException", "The conditional request failed");
    }

    static DynamoException notFound(String message) {
        return new DynamoException(PREFIX + "ResourceNotFoundException", message);
    }

    static DynamoException inUse(String message) {
        return new DynamoException(PREFIX + "ResourceInUseException", message);
    }

    static DynamoException of(String simpleType, String message) {
        return new DynamoException(PREFIX + simpleType, message);
    }

    static DynamoException serialization(String message) {
        return new DynamoException("com.amazon.coral.service#SerializationException", message);
    }

    String simpleType() {
        return type.substring(type.indexOf('#') + 1);
    }

    ObjectNode body() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("__type", type);
        o.put("message", getMessage());
        o.setAll(extra);
        return o;
    }
}
