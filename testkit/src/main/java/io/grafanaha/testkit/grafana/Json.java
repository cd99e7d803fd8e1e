package io.grafanaha.testkit.grafana;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** JSON helpers and Grafana's error bodies (grafana-api.md §1.1). */
final class Json {
    /** Configured once here and never changed afterwards; ObjectMapper is then thread-safe. */
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static JsonNode parse(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serialises", e);
        }
    }

    static String quote(String value) {
        return MAPPER.getNodeFactory().textNode(value).toString();
    }

    static ApiResponse ok(JsonNode body) {
        return ApiResponse.json(200, bytes(body));
    }

    /** {@code response.Error(status, msg, nil)}: just the message. */
    static ApiResponse message(int status, String message) {
        return ApiResponse.json(status, bytes(object().put("message", message)));
    }

    /** {@code response.Error(status, msg, err)}: an attached error adds traceID (empty without tracing). */
    static ApiResponse messageWithTrace(int status, String message) {
        return ApiResponse.json(status, bytes(object().put("message", message).put("traceID", "")));
    }

    /** Typed dashboard/folder errors that carry a status word. */
    static ApiResponse status(int status, String word, String message) {
        return ApiResponse.json(status, bytes(object().put("status", word).put("message", message)));
    }

    static ApiException fail(ApiResponse response) {
        return new ApiException(response);
    }

    /** RFC 3339 in UTC at second precision, as Go prints a time.Time. */
    static String time(Instant instant) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
    }
}
