package io.grafanaha.testkit.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs; exits with usage when a required one is missing. */
final class Args {
    private Args() {
    }

    static Map<String, String> parse(String[] args, String... required) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                usage("expected --name value, got " + args[i], required);
            }
            values.put(args[i].substring(2), args[i + 1]);
        }
        for (String name : required) {
            if (!values.containsKey(name)) {
                usage("missing --" + name, required);
            }
        }
        return values;
    }

    private static void usage(String problem, String[] required) {
        System.err.println(problem + "; required: --" + String.join(" --", required));
        System.exit(2);
    }
}
