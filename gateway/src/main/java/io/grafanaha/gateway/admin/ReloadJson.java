package io.grafanaha.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.config.ConfigProblem;
import io.grafanaha.gateway.reload.ConfigReload;
import io.grafanaha.gateway.reload.LoadedFile;
import io.grafanaha.gateway.reload.ReloadResult;

/**
 * The JSON of a reload: the answer of {@code POST /api/reload}, and the {@code config} object of {@code /api/status}
 * (the running file's path, SHA-256 and load time, and how the last reload ended).
 */
final class ReloadJson {
    private final ObjectMapper mapper;

    ReloadJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** {@code {result, message, trigger, at, applied?, restartNeeded?, sha256?, problems?}}. */
    ObjectNode result(ReloadResult r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("result", r.result());
        n.put("message", r.message());
        n.put("trigger", r.trigger());
        n.put("at", r.at().toString());
        if (r instanceof ReloadResult.Applied a) {
            n.put("applied", a.applied());
            ArrayNode keys = n.putArray("restartNeeded");
            a.restartNeeded().forEach(keys::add);
            n.put("sha256", a.sha256());
        } else if (r instanceof ReloadResult.Invalid i) {
            ArrayNode problems = n.putArray("problems");
            for (ConfigProblem p : i.problems()) {
                problems.addObject().put("key", p.key()).put("line", p.line()).put("message", p.message());
            }
        }
        return n;
    }

    /** {@code {file, sha256, loadedAt, lastReload}}; lastReload is null until the first reload. */
    ObjectNode config(ConfigReload reload) {
        LoadedFile loaded = reload.loaded();
        ObjectNode n = mapper.createObjectNode();
        n.put("file", loaded.file().toString());
        n.put("sha256", loaded.sha256());
        n.put("loadedAt", loaded.loadedAt().toString());
        reload.last().ifPresentOrElse(r -> n.set("lastReload", result(r)), () -> n.putNull("lastReload"));
        return n;
    }
}
