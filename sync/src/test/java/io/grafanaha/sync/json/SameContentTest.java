package io.grafanaha.sync.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grafanaha.sync.json.CanonicalJson;
import org.junit.jupiter.api.Test;

class SameContentTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    private static void agreesWithCanonical(String a, String b, boolean expected) throws Exception {
        assertThat(SameContent.same(json(a), json(b))).isEqualTo(expected);
        assertThat(CanonicalJson.same(json(a), json(b))).isEqualTo(expected);
    }

    @Test
    void keyOrderAndTopLevelInstanceFieldsDoNotCount() throws Exception {
        agreesWithCanonical("{\"uid\":\"u\",\"title\":\"T\",\"panels\":[{\"a\":1,\"b\":{\"x\":1,\"y\":2}}]}",
                "{\"panels\":[{\"b\":{\"y\":2,\"x\":1},\"a\":1}],\"id\":7,\"version\":3,\"title\":\"T\",\"uid\":\"u\"}",
                true);
        agreesWithCanonical("{\"uid\":\"u\",\"id\":1}", "{\"uid\":\"u\",\"version\":9}", true);
    }

    @Test
    void contentArrayOrderAndNestedIdsCount() throws Exception {
        agreesWithCanonical("{\"uid\":\"u\",\"title\":\"T\"}", "{\"uid\":\"u\",\"title\":\"T2\"}", false);
        agreesWithCanonical("{\"uid\":\"u\",\"tags\":[\"a\",\"b\"]}", "{\"uid\":\"u\",\"tags\":[\"b\",\"a\"]}", false);
        agreesWithCanonical("{\"uid\":\"u\",\"panels\":[{\"id\":1}]}", "{\"uid\":\"u\",\"panels\":[{\"id\":2}]}", false);
        agreesWithCanonical("{\"uid\":\"u\",\"title\":\"T\"}", "{\"uid\":\"u\",\"title\":\"T\",\"extra\":null}", false);
        agreesWithCanonical("{\"uid\":\"u\",\"id\":1,\"a\":1}", "{\"uid\":\"u\",\"a\":1,\"b\":1}", false);
    }

    @Test
    void theSameTreeIsTheSameWithoutLookingInside() throws Exception {
        JsonNode tree = json("{\"uid\":\"u\",\"title\":\"T\"}");
        assertThat(SameContent.same(tree, tree)).isTrue();
    }
}
