package io.grafanaha.testkit.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Grafana's slugify (pkg/infra/slugify), used for dashboard urls (grafana-api.md §1.3). */
class SlugifyTest {
    @Test
    void lowerCasesAndDashesSpaces() {
        assertThat(Slugify.slugify("Production Overview")).isEqualTo("production-overview");
        assertThat(Slugify.slugify("  Production Overview (updated)  ")).isEqualTo("production-overview-updated");
    }

    @Test
    void transliteratesDropsAndHexEncodes() {
        assertThat(Slugify.slugify("R&D @ Café")).isEqualTo("randd-at-cafe");
        assertThat(Slugify.slugify("a.b,c?")).isEqualTo("abc");
        assertThat(Slugify.slugify("a/b")).isEqualTo("a2fb");
        assertThat(Slugify.slugify("snake_case-x")).isEqualTo("snake_case-x");
    }

    @Test
    void emptyOrLongSlugBecomesAStableUuid() {
        String uuid = Slugify.slugify("???");
        assertThat(uuid).matches("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(Slugify.slugify("???")).isEqualTo(uuid);
        assertThat(Slugify.slugify("x".repeat(51))).hasSize(36);
        assertThat(Slugify.slugify("x".repeat(50))).isEqualTo("x".repeat(50));
    }
}
