package io.grafanaha.gateway.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium and ChromeDriver for the browser tests (tag "browser"), with a throw-away profile.
 * The explicit driver path keeps Selenium Manager from trying to download a browser.
 */
public final class Chromium implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** Why a browser test is skipped: for {@code Assumptions.assumeTrue(Chromium.installed(), Chromium.MISSING)}. */
    public static final String MISSING = "browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install chromium chromium-driver)";

    private final Path profile;
    private final ChromeDriverService service;
    private final WebDriver driver;

    private Chromium(Path profile) {
        this.profile = profile;
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, options);
    }

    public static boolean installed() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    public static Chromium start() throws IOException {
        return new Chromium(Files.createTempDirectory("test-chromium"));
    }

    public WebDriver driver() {
        return driver;
    }

    /** Saves what the browser shows as {@code target/screenshots/<test>-<name>.png}. */
    public void screenshot(Class<?> test, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(test.getSimpleName() + "-" + name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
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
