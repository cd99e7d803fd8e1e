package io.grafanaha.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.testing.Chromium;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The demo as a person meets it, in Debian's headless Chromium through the front door: sign in, see which Grafana
 * serves, open a dashboard, change its title and save; the edit must land in Git and on the other Grafana, and the
 * page must survive a failover. Skipped, not failed, where Chromium or ChromeDriver is not installed.
 */
@Tag("browser")
class DemoBrowserTest {
    private static final Duration UI = Duration.ofSeconds(10);
    private static final String EDITED = "Service overview, edited in a browser";

    @RegisterExtension
    static final Chromium CHROMIUM = new Chromium();
    private static WebDriver driver;

    @BeforeAll
    static void browser() {
        driver = CHROMIUM.driver();
    }

    @Test
    void anEditSavedInTheBrowserAtTheFrontDoorLandsInGitAndOnTheOtherGrafanaAndSurvivesAFailover() throws IOException {
        try (Demo demo = Demo.start(0, 0)) {
            String front = "http://127.0.0.1:" + demo.gateway().port();
            await().atMost(Duration.ofSeconds(30)).until(() -> demo.grafana("grafana-a").dashboard("demo-overview").isPresent()
                    && demo.grafana("grafana-b").dashboard("demo-overview").isPresent()
                    // Right after start the replica can serve until the primary has passed its checks and the hold.
                    && demo.gateway().health().status().active().equals(List.of("grafana-a")));
            try {
                driver.get(front + "/");
                ui().untilAsserted(() -> assertThat(driver.getCurrentUrl()).contains("/login"));
                assertThat(driver.getTitle()).isEqualTo("Grafana API emulator: grafana-a");
                driver.findElement(By.id("user")).sendKeys("admin");
                driver.findElement(By.id("password")).sendKeys("admin");
                driver.findElement(By.id("login-submit")).click();

                ui().untilAsserted(() -> assertThat(dashboardLinks()).contains("Service overview", "Team A: CPU"));
                assertThat(text("served-by")).as("the primary serves").isEqualTo("grafana-a");
                assertThat(driver.findElement(By.cssSelector("section[data-folder='grafana-manifests']")).getText())
                        .contains("Service overview");

                driver.findElement(By.cssSelector("a.dashboard[data-uid='demo-overview']")).click();
                ui().untilAsserted(() -> assertThat(text("panels")).contains("Requests per second"));
                assertThat(text("json")).contains("\"uid\": \"demo-overview\"");
                WebElement title = driver.findElement(By.id("title"));
                title.clear();
                title.sendKeys(EDITED);
                driver.findElement(By.id("message")).sendKeys("renamed in the browser test");
                driver.findElement(By.id("save")).click();
                ui().untilAsserted(() -> assertThat(text("save-status")).startsWith("Saved: version"));
                screenshot("saved");

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(demo.repository().readFile("main", "shared/overview.json").orElseThrow())
                            .as("the edit is committed to Git").contains("\"title\": \"" + EDITED + "\"");
                    assertThat(demo.grafana("grafana-b").dashboard("demo-overview").orElseThrow().title())
                            .as("and reaches the other Grafana").isEqualTo(EDITED);
                });

                demo.grafana("grafana-a").stop();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(text("served-by")).as("the open page notices the failover").isEqualTo("grafana-b"));
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
                    driver.navigate().refresh();
                    assertThat(text("served-by")).isEqualTo("grafana-b");
                    assertThat(text("dashboard-title")).as("still signed in, the edit on the replica").isEqualTo(EDITED);
                });
                screenshot("after-failover");
            } catch (AssertionError | RuntimeException e) {
                screenshot("failed");
                throw e;
            }
        }
    }

    private static ConditionFactory ui() {
        return await().atMost(UI).ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .ignoreExceptionsInstanceOf(NoSuchElementException.class);
    }

    private static String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private static List<String> dashboardLinks() {
        return driver.findElements(By.cssSelector("a.dashboard")).stream().map(WebElement::getText).toList();
    }

    private static void screenshot(String name) throws IOException {
        CHROMIUM.screenshot(DemoBrowserTest.class, name);
    }
}
