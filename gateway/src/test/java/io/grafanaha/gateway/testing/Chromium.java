package io.grafanaha.gateway.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium and ChromeDriver for the browser tests (tag "browser"), with a throw-away profile:
 * one browser per test class ({@code @RegisterExtension static final Chromium CHROMIUM = new Chromium();}), since
 * starting Chrome is the slow part. The class is skipped, not failed, where either is not installed. The explicit
 * driver path keeps Selenium Manager from trying to download a browser.
 */
public final class Chromium implements BeforeAllCallback, AfterAllCallback {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private final String[] extraArguments;
    private Path profile;
    private ChromeDriverService service;
    private WebDriver driver;

    /** @param extraArguments more command-line switches, e.g. {@code --ignore-certificate-errors} for a test CA */
    public Chromium(String... extraArguments) {
        this.extraArguments = extraArguments.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser tests need " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install chromium chromium-driver)");
        profile = Files.createTempDirectory("test-chromium");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
        options.addArguments(extraArguments);
        driver = new ChromeDriver(service, options);
    }

    public WebDriver driver() {
        return driver;
    }

    /** Saves what the browser shows as {@code target/screenshots/<test>-<name>.png}; nothing without a browser. */
    public void screenshot(Class<?> test, String name) throws IOException {
        if (driver == null) {
            return;
        }
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(test.getSimpleName() + "-" + name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (driver == null) {
            return;
        }
        try {
            driver.quit();
        } finally {
            service.stop();
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
