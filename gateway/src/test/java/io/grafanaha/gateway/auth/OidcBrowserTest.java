package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.gateway.testing.Chromium;
import io.grafanaha.testkit.grafana.GrafanaEmulator;
import io.grafanaha.testkit.oidc.OidcIssuer;
import io.grafanaha.testkit.oidc.OidcUser;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;

/**
 * Sign-in as a person meets it, in Debian's headless Chromium: the first page sends the browser to the OIDC
 * provider and back, signed in; after the primary Grafana stops, the same browser (same cookie) is still
 * signed in on the replica. Skipped, not failed, where Chromium or ChromeDriver is not installed.
 */
@Tag("browser")
class OidcBrowserTest {
    private static final Duration UI = Duration.ofSeconds(10);

    @RegisterExtension
    static final Chromium CHROMIUM = new Chromium();

    @Test
    void aPersonSignsInAtTheProviderInABrowserAndStaysSignedInAcrossAFailover() throws IOException {
        WebDriver driver = CHROMIUM.driver();
        try (OidcIssuer idp = OidcIssuer.start("grafana-gateway", "client-secret");
             Rig rig = OidcRigs.signingInAt(Rig.builder().withoutApiTokens(), idp, "").start()) {
            idp.signInAs(OidcUser.of("alice"));
            for (GrafanaEmulator g : List.of(rig.a(), rig.b())) {
                ObjectNode dashboard = new ObjectMapper().createObjectNode().put("uid", "ops").put("title", "Ops overview");
                dashboard.putArray("panels").addObject().put("title", "Requests per second");
                g.putDashboard(dashboard, null);
            }
            Gateway gateway = rig.startGateway();
            await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(Optional.of(Rig.PRIMARY)));
            String front = "http://127.0.0.1:" + gateway.port();
            try {
                driver.get(front + "/d/ops/ops-overview");

                ui(driver).untilAsserted(() -> assertThat(text(driver, "dashboard-title")).isEqualTo("Ops overview"));
                assertThat(driver.getCurrentUrl()).startsWith(front + "/d/ops");
                assertThat(text(driver, "served-by")).isEqualTo(Rig.PRIMARY);
                assertThat(rig.a().user("alice")).as("Grafana knows alice through its auth proxy").isPresent();
                CHROMIUM.screenshot(OidcBrowserTest.class, "signed-in");

                rig.a().stop();
                await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(Optional.of(Rig.REPLICA)));
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
                    driver.navigate().refresh();
                    assertThat(text(driver, "served-by")).isEqualTo(Rig.REPLICA);
                    assertThat(text(driver, "dashboard-title")).as("still signed in, on the replica").isEqualTo("Ops overview");
                });
                assertThat(driver.getCurrentUrl()).startsWith(front + "/d/ops");
                assertThat(idp.tokenRequests()).as("one sign-in, before the failover only").isEqualTo(1);
                assertThat(rig.b().user("alice")).isPresent();
                CHROMIUM.screenshot(OidcBrowserTest.class, "after-failover");
            } catch (AssertionError | RuntimeException e) {
                CHROMIUM.screenshot(OidcBrowserTest.class, "failed");
                throw e;
            }
        }
    }

    private static ConditionFactory ui(WebDriver driver) {
        return await().atMost(UI).ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .ignoreExceptionsInstanceOf(NoSuchElementException.class);
    }

    private static String text(WebDriver driver, String id) {
        return driver.findElement(By.id(id)).getText();
    }
}
