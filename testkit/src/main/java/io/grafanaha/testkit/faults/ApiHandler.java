package io.grafanaha.testkit.faults;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Toxiproxy's REST API, the routes and JSON shapes {@code toxiproxy-java} 2.1.x sends and reads. Each answer
 * closes the connection: the client makes one request per connection anyway, and it keeps this handler simple.
 */
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private record Reply(int status, JsonNode body) {
    }

    private final ProxyRegistry registry;
    private final ObjectMapper json;

    ApiHandler(ProxyRegistry registry, ObjectMapper json) {
        this.registry = registry;
        this.json = json;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Reply reply;
        try {
            List<String> path = segments(request.uri());
            JsonNode body = request.content().isReadable()
                    ? json.readTree(request.content().toString(StandardCharsets.UTF_8))
                    : json.createObjectNode();
            reply = route(request.method(), path, body);
        } catch (ApiException e) {
            reply = error(e.status(), e.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            reply = error(400, "bad request body: " + e.getOriginalMessage());
        } catch (RuntimeException e) {
            reply = error(500, String.valueOf(e));
        }
        ctx.writeAndFlush(response(reply)).addListener(ChannelFutureListener.CLOSE);
    }

    private Reply route(HttpMethod method, List<String> path, JsonNode body) {
        String verb = method.name();
        if (path.equals(List.of("version")) && verb.equals("GET")) {
            return ok(json.createObjectNode().put("version", FaultProxyServer.VERSION));
        }
        if (path.equals(List.of("reset")) && verb.equals("POST")) {
            registry.reset();
            return new Reply(204, null);
        }
        if (path.isEmpty() || !path.get(0).equals("proxies")) {
            throw new ApiException(404, "not found: /" + String.join("/", path));
        }
        return switch (path.size()) {
            case 1 -> proxies(verb, body);
            case 2 -> proxy(verb, registry.get(path.get(1)), body);
            case 3 -> toxics(verb, registry.get(path.get(1)), body, path.get(2));
            case 4 -> toxic(verb, registry.get(path.get(1)), body, path.get(2), path.get(3));
            default -> throw new ApiException(404, "not found: /" + String.join("/", path));
        };
    }

    private Reply proxies(String verb, JsonNode body) {
        switch (verb) {
            case "GET" -> {
                ObjectNode all = json.createObjectNode();
                registry.all().forEach(p -> all.set(p.name(), proxyJson(p)));
                return ok(all);
            }
            case "POST" -> {
                String name = required(body, "name");
                String upstream = required(body, "upstream");
                String listen = text(body, "listen").orElse("127.0.0.1:0");
                boolean enabled = !body.has("enabled") || body.get("enabled").asBoolean();
                return new Reply(201, proxyJson(registry.create(name, listen, upstream, enabled)));
            }
            default -> throw notAllowed(verb);
        }
    }

    private Reply proxy(String verb, FaultyProxy proxy, JsonNode body) {
        switch (verb) {
            case "GET" -> {
                return ok(proxyJson(proxy));
            }
            case "POST", "PATCH" -> {
                Optional<Boolean> enabled = body.has("enabled")
                        ? Optional.of(body.get("enabled").asBoolean()) : Optional.empty();
                proxy.update(text(body, "listen"), text(body, "upstream"), enabled);
                return ok(proxyJson(proxy));
            }
            case "DELETE" -> {
                registry.delete(proxy.name());
                return new Reply(204, null);
            }
            default -> throw notAllowed(verb);
        }
    }

    private Reply toxics(String verb, FaultyProxy proxy, JsonNode body, String segment) {
        if (!segment.equals("toxics")) {
            throw new ApiException(404, "not found: " + segment);
        }
        switch (verb) {
            case "GET" -> {
                return ok(toxicsJson(proxy.toxics()));
            }
            case "POST" -> {
                String typeName = required(body, "type");
                ToxicType type = ToxicType.fromWire(typeName)
                        .orElseThrow(() -> new ApiException(400, "invalid toxic type: " + typeName));
                ToxicStream stream = ToxicStream.fromWire(text(body, "stream").orElse("downstream"));
                String name = text(body, "name").orElse(type.wireName() + "_" + stream.wireName());
                double toxicity = body.has("toxicity") ? body.get("toxicity").asDouble() : 1.0;
                Toxic toxic = new Toxic(registry.nextToxicId(), name, type, stream, toxicity, attributes(body));
                return ok(toxicJson(proxy.addToxic(toxic)));
            }
            default -> throw notAllowed(verb);
        }
    }

    private Reply toxic(String verb, FaultyProxy proxy, JsonNode body, String segment, String name) {
        if (!segment.equals("toxics")) {
            throw new ApiException(404, "not found: " + segment);
        }
        switch (verb) {
            case "GET" -> {
                return ok(toxicJson(proxy.find(name).orElseThrow(() -> new ApiException(404, "toxic not found"))));
            }
            case "POST", "PATCH" -> {
                Toxic updated = proxy.updateToxic(name, t -> {
                    Toxic changed = t.withAttributes(attributes(body));
                    if (body.has("toxicity")) {
                        changed = changed.withToxicity(body.get("toxicity").asDouble());
                    }
                    if (body.has("stream")) {
                        changed = changed.withStream(ToxicStream.fromWire(body.get("stream").asText()));
                    }
                    return changed;
                });
                return ok(toxicJson(updated));
            }
            case "DELETE" -> {
                proxy.removeToxic(name);
                return new Reply(204, null);
            }
            default -> throw notAllowed(verb);
        }
    }

    private ObjectNode proxyJson(FaultyProxy proxy) {
        ObjectNode node = json.createObjectNode()
                .put("name", proxy.name())
                .put("listen", proxy.listen())
                .put("upstream", proxy.upstream())
                .put("enabled", proxy.isEnabled());
        node.set("toxics", toxicsJson(proxy.toxics()));
        return node;
    }

    private ArrayNode toxicsJson(List<Toxic> toxics) {
        ArrayNode array = json.createArrayNode();
        toxics.forEach(t -> array.add(toxicJson(t)));
        return array;
    }

    private ObjectNode toxicJson(Toxic toxic) {
        ObjectNode attributes = json.createObjectNode();
        toxic.type().attributes().forEach(key -> attributes.put(key, toxic.attribute(key)));
        ObjectNode node = json.createObjectNode()
                .put("name", toxic.name())
                .put("type", toxic.type().wireName())
                .put("stream", toxic.stream().wireName())
                .put("toxicity", toxic.toxicity());
        node.set("attributes", attributes);
        return node;
    }

    private static Map<String, Long> attributes(JsonNode body) {
        Map<String, Long> attributes = new HashMap<>();
        JsonNode node = body.get("attributes");
        if (node != null) {
            node.fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asLong()));
        }
        return attributes;
    }

    private static String required(JsonNode body, String field) {
        return text(body, field).orElseThrow(() -> new ApiException(400, "missing required field: " + field));
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node == null || node.isNull() || node.asText().isEmpty() ? Optional.empty() : Optional.of(node.asText());
    }

    private static List<String> segments(String uri) {
        String path = new QueryStringDecoder(uri).path();
        return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    private static ApiException notAllowed(String verb) {
        return new ApiException(405, "method not allowed: " + verb);
    }

    private static Reply ok(JsonNode body) {
        return new Reply(200, body);
    }

    private Reply error(int status, String message) {
        return new Reply(status, json.createObjectNode().put("error", message).put("status", status));
    }

    private FullHttpResponse response(Reply reply) {
        byte[] bytes = reply.body() == null ? new byte[0] : reply.body().toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(bytes));
        if (reply.body() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        if (reply.status() != 204) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }
}
