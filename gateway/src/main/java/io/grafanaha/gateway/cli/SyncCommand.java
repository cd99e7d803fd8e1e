package io.grafanaha.gateway.cli;

import io.grafanaha.gateway.app.SyncSetup;
import io.grafanaha.gateway.app.Threads;
import io.grafanaha.gateway.config.ConfigException;
import io.grafanaha.gateway.config.ConfigLoader;
import io.grafanaha.gateway.config.GatewayConfig;
import io.grafanaha.sync.SyncService;
import io.grafanaha.sync.freshness.BackendSyncStatus;
import io.grafanaha.sync.plan.PlanResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One sync pass from the command line: print what each backend needs, apply it unless dry-run. */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Fetch Git, print the plan for every backend, and apply it (one pass), then exit. "
                + "Exit 0 when every backend holds Git's head, 1 when one could not be synced, 2 for a bad configuration.")
final class SyncCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Option(names = "--dry-run", description = "Print the plan; write nothing to any Grafana.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.fromEnvironment().load(config);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return CheckCommand.INVALID;
        }
        if (cfg.sync().isEmpty()) {
            err.println(config + ": there is no sync section to run");
            return CheckCommand.INVALID;
        }
        try (Threads threads = Threads.of(cfg); SyncService sync = SyncSetup.create(cfg, cfg.sync().get(), threads)) {
            Map<String, PlanResult> plans = sync.plan();
            boolean refused = false;
            for (PlanResult result : plans.values()) {
                if (result instanceof PlanResult.Ready ready) {
                    out.print(ready.plan().render());
                } else if (result instanceof PlanResult.Refused r) {
                    refused = true;
                    out.print(r.wouldBe().render());
                    out.println("  REFUSED: " + r.reason());
                }
            }
            sync.planLibraryPanels().values().forEach(out::print);
            for (String resources : sync.planResources().values()) {
                out.print(resources);
                refused |= resources.contains("  REFUSED: ");
            }
            sync.status().fileErrors().forEach(f -> out.println("skipped " + f));
            if (dryRun) {
                out.println("dry run: nothing was written");
                out.flush();
                return refused ? 1 : 0;
            }
            sync.requestSync("sync command").get();
            boolean allFresh = true;
            for (BackendSyncStatus b : sync.status().backends().values()) {
                allFresh &= b.fresh();
                out.println(b.backend() + ": " + (b.fresh() ? "holds " + b.appliedCommit().map(c -> c.substring(0, 7)).orElse("?")
                        : "NOT in sync: " + b.lastError().orElse("unknown error")));
            }
            out.flush();
            return allFresh ? 0 : 1;
        } catch (IOException e) {
            err.println("sync failed: " + e.getMessage());
            return 1;
        } catch (ExecutionException e) {
            err.println("sync failed: " + e.getCause().getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("sync failed: " + e.getMessage());
            return 1;
        }
    }
}
