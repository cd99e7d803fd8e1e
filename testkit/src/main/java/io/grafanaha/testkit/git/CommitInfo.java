package io.grafanaha.testkit.git;

import java.time.Instant;
import java.util.List;

import org.eclipse.jgit.revwalk.RevCommit;

/** One commit as a test sees it: enough to assert on history without holding JGit objects. */
public record CommitInfo(String id, String shortMessage, List<String> parents, Instant commitTime) {

    static CommitInfo of(RevCommit commit) {
        List<String> parents = java.util.Arrays.stream(commit.getParents()).map(p -> p.getName()).toList();
        return new CommitInfo(commit.getName(), commit.getShortMessage(), parents,
                Instant.ofEpochSecond(commit.getCommitTime()));
    }
}
