package io.grafanaha.sync.datasources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.grafanaha.sync.desired.FolderUids;
import io.grafanaha.sync.desired.Placeholders;
import io.grafanaha.sync.desired.ResourceFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the {@code datasources/} files: Grafana's data source provisioning format ({@code apiVersion: 1},
 * {@code datasources:} with a {@code uid} each, {@code deleteDatasources:} by name), YAML or JSON. {@code ${VAR}} in
 * any value is filled from the environment, so {@code secureJsonData} never has to be in Git; a data source whose
 * variable is not set is skipped with an error naming the file and the variable.
 */
public final class ReadDatasources {
    static final String DIRECTORY = "datasources";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    /** Fields of the provisioning format the HTTP API does not take. */
    private static final List<String> FILE_ONLY = List.of("orgId", "version", "editable");

    /**
     * The data sources Git describes.
     *
     * @param datasources uid → data source
     * @param deleteNames names {@code deleteDatasources} asks to remove
     * @param errors skipped files and entries, naming the file
     */
    public record Desired(Map<String, Datasource> datasources, Set<String> deleteNames, List<String> errors) {}

    /**
     * @param uid identity on every instance
     * @param body what {@code POST /api/datasources} takes, secrets filled in
     * @param path the file
     * @param secret digest of {@code secureJsonData} (never shown back by Grafana); empty when there is none
     */
    public record Datasource(String uid, ObjectNode body, String path, String secret) {}

    private ReadDatasources() {
    }

    public static Desired read(List<ResourceFiles.File> files, Map<String, String> env) {
        Map<String, Datasource> out = new LinkedHashMap<>();
        Set<String> deletes = new TreeSet<>();
        List<String> errors = new ArrayList<>();
        for (ResourceFiles.File file : files) {
            if (!file.readable()) {
                errors.add(file.path() + ": " + file.problem());
                continue;
            }
            JsonNode root;
            try {
                root = (file.path().endsWith(".json") ? JSON : YAML).readTree(file.bytes());
            } catch (IOException e) {
                errors.add(file.path() + ": not valid " + (file.path().endsWith(".json") ? "JSON" : "YAML"));
                continue;
            }
            if (root == null || root.path("apiVersion").asInt(0) != 1) {
                errors.add(file.path() + ": not a data source provisioning file (apiVersion: 1 expected)");
                continue;
            }
            root.path("deleteDatasources").forEach(d -> deletes.add(d.path("name").asText()));
            for (JsonNode d : root.path("datasources")) {
                String uid = d.path("uid").asText("");
                String name = d.path("name").asText("");
                if (name.isBlank() || d.path("type").asText("").isBlank()
                        || !FolderUids.VALID_UID.matcher(uid).matches()) {
                    errors.add(file.path() + ": data source '" + name + "' needs a name, a type and a uid of at most "
                            + "40 letters, digits, - or _ (the uid is its identity on every instance)");
                    continue;
                }
                Set<String> missing = new TreeSet<>();
                ObjectNode body = (ObjectNode) Placeholders.fill(d, env, missing);
                if (!missing.isEmpty()) {
                    errors.add(file.path() + ": data source '" + name + "' (uid " + uid + "): environment variable "
                            + String.join(", ", missing) + " is not set; the data source is not applied");
                    continue;
                }
                FILE_ONLY.forEach(body::remove);
                String secret = body.path("secureJsonData").isObject() && !body.path("secureJsonData").isEmpty()
                        ? Placeholders.digest(body.path("secureJsonData").toString()) : "";
                if (out.putIfAbsent(uid, new Datasource(uid, body, file.path(), secret)) != null) {
                    errors.add(file.path() + ": data source uid '" + uid + "' is also in " + out.get(uid).path()
                            + "; the first is applied");
                }
            }
        }
        return new Desired(out, deletes, errors);
    }

}
