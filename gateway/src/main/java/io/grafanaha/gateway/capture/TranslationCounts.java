package io.grafanaha.gateway.capture;

import java.util.concurrent.atomic.LongAdder;

/**
 * How the dashboard saves checked against the instance that serves them went, through the legacy API
 * ({@link SaveTranslation}) and the resource API ({@link ResourceSaveTranslation}) alike: a count per
 * {@link SaveTranslation.Result}, exported as {@code gateway_save_translations_total{outcome}}. Safe from any thread.
 */
public final class TranslationCounts {
    private final LongAdder[] counts = new LongAdder[SaveTranslation.Result.values().length];

    public TranslationCounts() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** How many saves went {@code result} since start. */
    public long count(SaveTranslation.Result result) {
        return counts[result.ordinal()].sum();
    }

    /** Counts {@code outcome} as {@code result} and returns it. */
    <T extends SaveTranslation.Outcome> T counted(SaveTranslation.Result result, T outcome) {
        counts[result.ordinal()].increment();
        return outcome;
    }
}
