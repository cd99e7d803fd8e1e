package io.grafanaha.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grafanaha.gateway.app.Gateway;
import io.grafanaha.gateway.demo.Rig;
import io.grafanaha.gateway.testing.Chromium;
import io.grafanaha.gateway.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;

/**
 * The front door and the ops page over HTTPS in Debian's headless Chromium (issue 13's browser tests): a person signs
 * in to Grafana (the emulator's page) at {@code https://} and sees which instance serves; the ops page at the admin
 * listener's {@code https://} shows both backends. The certificate comes from a CA made in the test, which the browser
 * is told to accept ({@code --ignore-certificate-errors}): trust is tested with real clients in TlsListenerTest;
 * here what matters is that the pages, their scripts, their cookies and their API calls all work over TLS.
 */
@Tag("browser")
class HttpsBrowserTest {
    @RegisterExtension
    static final Chromium CHROMIUM = new Chromium("--ignore-certificate-errors");

    @TempDir
    Path dir;

    @Test
    void aPersonSignsInAtTheHttpsFrontDoorAndTheOpsPageWorksOverHttpsToo() throws IOException {
        WebDriver driver = CHROMIUM.driver();
        TestCertificates.Pair cert = TestCertificates.create(dir, "localhost", "IP:127.0.0.1,DNS:localhost");
        try (Rig rig = Rig.builder().adminToken("ops-token-for-https").adminTls()
                .settings(Rig.FAST_HEALTH + Rig.IMMEDIATE_FAILBACK + """
                        tls:
                          cert-file: %s
                          key-file: %s
                        """.formatted(cert.certFile(), cert.keyFile()))
                .start()) {
            Gateway gateway = rig.startGateway();
            await().atMost(Duration.ofSeconds(30)).until(() -> rig.active().equals(Optional.of(Rig.PRIMARY)));
            try {
                driver.get("https://127.0.0.1:" + gateway.port() + "/");
                ui().untilAsserted(() -> assertThat(driver.getCurrentUrl()).contains("/login"));
                assertThat(driver.getTitle()).isEqualTo("Grafana API emulator: grafana-a");
                driver.findElement(By.id("user")).sendKeys("admin");
                driver.findElement(By.id("password")).sendKeys("admin");
                driver.findElement(By.id("login-submit")).click();
                ui().untilAsserted(() -> assertThat(driver.findElement(By.tagName("h2")).getText()).startsWith("Dashboards"));
                assertThat(driver.getCurrentUrl()).startsWith("https://127.0.0.1:" + gateway.port() + "/");
                assertThat(driver.findElement(By.id("served-by")).getText()).isEqualTo(Rig.PRIMARY);
                assertThat(((JavascriptExecutor) driver).executeScript("return window.isSecureContext")).isEqualTo(true);
                CHROMIUM.screenshot(HttpsBrowserTest.class, "front-door");

                driver.get("https://127.0.0.1:" + gateway.adminPort() + "/");
                ui().untilAsserted(() -> {
                    assertThat(driver.findElement(By.id("serving")).getText()).isEqualTo("serving: grafana-a");
                    assertThat(driver.findElement(By.tagName("body")).getText()).contains("grafana-a", "grafana-b");
                });
                CHROMIUM.screenshot(HttpsBrowserTest.class, "ops-page");
            } catch (AssertionError | RuntimeException e) {
                CHROMIUM.screenshot(HttpsBrowserTest.class, "failed");
                throw e;
            }
        }
    }

    private static ConditionFactory ui() {
        return await().atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .ignoreExceptionsInstanceOf(NoSuchElementException.class);
    }
}
