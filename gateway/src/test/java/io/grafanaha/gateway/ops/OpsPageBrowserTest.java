package io.grafanaha.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.testing.Chromium;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The ops page in Debian's headless Chromium, against a real gateway and two Grafana emulators. One
 * browser for the class (starting Chrome is the slow part); a fresh gateway per test. Skipped, not
 * failed, where Chromium or ChromeDriver is not installed.
 */
@Tag("browser")
class OpsPageBrowserTest {
    private static final Duration UI = Duration.ofSeconds(5);

    @RegisterExtension
    static final Chromium CHROMIUM = new Chromium();
    private static WebDriver driver;

    private TwoGrafanas env;
    private String testName;

    @BeforeAll
    static void browser() {
        driver = CHROMIUM.driver();
    }

    @BeforeEach
    void startGateway(TestInfo info) throws Exception {
        testName = info.getTestMethod().orElseThrow().getName();
        env = TwoGrafanas.start();
        driver.manage().window().setSize(new Dimension(1280, 900));
        driver.get(env.adminUrl("/"));
        // Each test starts without a remembered token: sessionStorage is per origin, and ports differ, but be sure.
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("sessionStorage.clear()");
    }

    @AfterEach
    void stopGateway() throws IOException {
        screenshot(testName);
        if (env != null) {
            env.close();
        }
    }

    @Test
    void thePageShowsBothBackendsAndWhoServes() throws IOException {
        ui(UI).untilAsserted(() -> {
            assertThat(cardNames()).containsExactly("grafana-a", "grafana-b");
            assertThat(card("grafana-a").getAttribute("data-active")).isEqualTo("true");
            assertThat(card("grafana-b").getAttribute("data-active")).isEqualTo("false");
            assertThat(card("grafana-a").getText()).contains("PRIMARY").contains("UP").contains("ACTIVE");
            assertThat(card("grafana-b").getText()).contains("REPLICA").contains("UP");
            assertThat(driver.findElement(By.id("serving")).getText()).isEqualTo("serving: grafana-a");
        });
        // The same page on a phone: one column, still readable.
        driver.manage().window().setSize(new Dimension(390, 844));
        screenshot(testName + "-phone");
    }

    @Test
    void afterThePrimaryStopsThePageShowsTheReplicaActiveWithinThreeSeconds() {
        ui(UI).until(() -> "true".equals(card("grafana-a").getAttribute("data-active")));

        env.a.stop();

        ui(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(card("grafana-b").getAttribute("data-active")).isEqualTo("true");
            assertThat(card("grafana-a").getAttribute("data-state")).isEqualTo("down");
        });
        ui(UI).untilAsserted(() -> {
            assertThat(card("grafana-a").findElement(By.cssSelector("button[data-action='failover']")).isDisplayed())
                    .as("no failover offered to a backend that is down").isFalse();
            assertThat(card("grafana-a").getText()).as("the error in plain words").contains("cannot connect")
                    .doesNotContain("java.net");
        });
        // What the timeline says depends on timing (a failover, or last-resort then activation when a loaded
        // machine also misses a check of grafana-b); that grafana-a went down it always says.
        ui(UI).untilAsserted(() ->
                assertThat(driver.findElement(By.id("events")).getText()).containsPattern("DOWN\\s+grafana-a"));
    }

    @Test
    void whenTheGatewayStopsAnsweringThePageSaysSoAndGreysOutWhatItLastKnew() {
        ui(UI).until(() -> "true".equals(card("grafana-a").getAttribute("data-active")));

        env.gateway.close();

        // A poll in flight when the listener closed may hang: the page gives up on it after 3 s.
        ui(Duration.ofSeconds(8)).untilAsserted(() -> {
            assertThat(driver.findElement(By.id("offline")).getText()).contains("Cannot reach the gateway since");
            assertThat(driver.findElement(By.tagName("body")).getAttribute("class")).contains("stale");
        });
    }

    @Test
    void aWrongTokenShowsTheApiErrorAndChangesNothing() {
        ui(UI).until(() -> !driver.findElements(By.cssSelector("#failover-to option[value='grafana-b']")).isEmpty());
        driver.findElement(By.id("token")).sendKeys("not-the-token");

        failOverTo("grafana-b");

        ui(UI).untilAsserted(() -> {
            WebElement message = driver.findElement(By.id("message"));
            assertThat(message.getText()).contains("refused (401)").contains("missing or wrong admin token")
                    .contains("Nothing was changed");
            assertThat(message.getAttribute("class")).contains("error");
        });
        // Nothing changed: no operator failover, nothing forced (health-driven events may still happen).
        assertThat(env.gateway.health().status().forcedTarget()).isNull();
        assertThat(env.gateway.health().status().events()).noneMatch(TwoGrafanas::isAdminFailover);
    }

    @Test
    void theRightTokenFailsOverAndTheTimelineSaysSo() {
        ui(UI).until(() -> !driver.findElements(By.cssSelector("#failover-to option[value='grafana-b']")).isEmpty());
        driver.findElement(By.id("token")).sendKeys(TwoGrafanas.ADMIN_TOKEN);

        failOverTo("grafana-b");

        ui(UI).untilAsserted(() -> {
            assertThat(driver.findElement(By.id("message")).getText()).contains("Fail over to grafana-b: done");
            assertThat(driver.findElement(By.id("events")).getText()).contains("FAILOVER").contains("grafana-a → grafana-b (admin)");
        });
        assertThat(env.gateway.health().status().events()).anyMatch(TwoGrafanas::isAdminFailover);
        assertThat((String) ((org.openqa.selenium.JavascriptExecutor) driver)
                .executeScript("return sessionStorage.getItem('grafana-ha-gateway.admin-token')"))
                .as("the token is kept for this tab").isEqualTo(TwoGrafanas.ADMIN_TOKEN);

        // An action the API refuses with the right token (404: no sync section) says why, in the page.
        driver.findElement(By.id("sync")).click();
        ui(UI).untilAsserted(() -> assertThat(driver.findElement(By.id("message")).getText())
                .contains("Sync now refused (404): sync is not configured"));
    }

    @Test
    void drainAndEnableFromTheCards() {
        ui(UI).until(() -> !driver.findElements(By.cssSelector("article[data-backend='grafana-a'] button[data-action='drain']")).isEmpty());
        driver.findElement(By.id("token")).sendKeys(TwoGrafanas.ADMIN_TOKEN);

        driver.findElement(By.cssSelector("article[data-backend='grafana-a'] button[data-action='drain']")).click();
        ui(UI).untilAsserted(() -> {
            assertThat(card("grafana-a").getAttribute("data-state")).isEqualTo("draining");
            assertThat(card("grafana-a").getAttribute("data-active")).isEqualTo("false");
        });

        driver.findElement(By.cssSelector("article[data-backend='grafana-a'] button[data-action='enable']")).click();
        ui(UI).untilAsserted(() -> {
            assertThat(card("grafana-a").getAttribute("data-state")).isNotEqualTo("draining");
            assertThat(driver.findElement(By.id("events")).getText()).contains("DRAINED").contains("ENABLED");
        });
    }

    /** Waits for the page; an element replaced by the next poll between finding and reading it is retried. */
    private static ConditionFactory ui(Duration atMost) {
        return await().atMost(atMost).ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .ignoreExceptionsInstanceOf(NoSuchElementException.class);
    }

    private WebElement card(String name) {
        return driver.findElement(By.cssSelector("article[data-backend='" + name + "']"));
    }

    /** The Actions panel's "Fail over to" (the card's button exists only while that backend is not active). */
    private void failOverTo(String name) {
        new Select(driver.findElement(By.id("failover-to"))).selectByValue(name);
        driver.findElement(By.id("failover")).click();
    }

    private List<String> cardNames() {
        return driver.findElements(By.cssSelector("#backends article")).stream().map(e -> e.getAttribute("data-backend")).toList();
    }

    private static void screenshot(String name) throws IOException {
        CHROMIUM.screenshot(OpsPageBrowserTest.class, name);
    }
}
