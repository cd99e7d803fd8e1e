package io.grafanaha.sync.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void idVersionAndKeyOrderDoNotCountButArrayOrderAndNestedIdsDo() throws Exception {
        var a = mapper.readTree("{\"id\":1,\"version\":4,\"uid\":\"u\",\"b\":{\"y\":1,\"x\":2},\"panels\":[{\"id\":1},{\"id\":2}]}");
        var b = mapper.readTree("{\"panels\":[{\"id\":1},{\"id\":2}],\"b\":{\"x\":2,\"y\":1},\"uid\":\"u\",\"id\":9}");
        var swapped = mapper.readTree("{\"uid\":\"u\",\"b\":{\"x\":2,\"y\":1},\"panels\":[{\"id\":2},{\"id\":1}]}");
        assertThat(CanonicalJson.same(a, b)).isTrue();
        assertThat(CanonicalJson.canonical(a)).isEqualTo("{\"b\":{\"x\":2,\"y\":1},\"panels\":[{\"id\":1},{\"id\":2}],\"uid\":\"u\"}");
        assertThat(CanonicalJson.same(a, swapped)).isFalse();
        assertThat(a.has("id")).as("the input is not modified").isTrue();
    }
}
