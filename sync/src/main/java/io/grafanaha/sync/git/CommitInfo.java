package io.grafanaha.sync.git;

import java.time.Instant;
import org.eclipse.jgit.lib.ObjectId;

/**
 * One commit of the followed branch, as the sync reports and stamps it.
 *
 * @param id the commit id
 * @param subject first line of the commit message
 * @param time committer time
 */
public record CommitInfo(ObjectId id, String subject, Instant time) {

    /** The 40-hex commit id. */
    public String name() {
        return id.name();
    }

    /** The 7-hex abbreviation used in messages ({@code git-sync 1a2b3c4: subject}). */
    public String shortName() {
        return id.abbreviate(7).name();
    }
}
