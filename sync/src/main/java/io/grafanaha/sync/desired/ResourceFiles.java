package io.grafanaha.sync.desired;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * The files of one resource directory under {@code sync.path} at one commit ({@code alerting/}, {@code datasources/}).
 * These directories hold no dashboards: {@link ReadDesiredState} leaves them out of the folder tree.
 */
public final class ResourceFiles {
    /** Directories directly under {@code sync.path} that hold other kinds of resources, not dashboards. */
    public static final Set<String> DIRECTORIES = Set.of("alerting", "datasources");
    /** Larger files are skipped with an error. */
    public static final long MAX_BYTES = 10L * 1024 * 1024;

    /** One file: its path in the repository and its bytes, or why it cannot be read. */
    public record File(String path, byte[] bytes, String problem) {
        public boolean readable() {
            return problem == null;
        }
    }

    private ResourceFiles() {
    }

    /**
     * The id of the tree {@code <syncPath>/<directory>} at {@code commit}, or the zero id when there is none: equal ids,
     * equal files, so a step need not read them again for a commit that left them alone.
     */
    public static ObjectId treeId(Repository repository, ObjectId commit, String syncPath, String directory)
            throws IOException {
        String dir = syncPath.isEmpty() ? directory : syncPath + "/" + directory;
        try (RevWalk rw = new RevWalk(repository);
                TreeWalk tw = TreeWalk.forPath(repository, dir, rw.parseCommit(commit).getTree())) {
            return tw == null || !tw.isSubtree() ? ObjectId.zeroId() : tw.getObjectId(0).copy();
        }
    }

    /**
     * Every {@code *.json}, {@code *.yaml}, {@code *.yml} under {@code <syncPath>/<directory>} at {@code commit},
     * sorted by path; empty when the directory does not exist.
     */
    public static List<File> read(Repository repository, ObjectId commit, String syncPath, String directory)
            throws IOException {
        String dir = syncPath.isEmpty() ? directory : syncPath + "/" + directory;
        List<File> out = new ArrayList<>();
        try (RevWalk rw = new RevWalk(repository); TreeWalk tw = new TreeWalk(repository)) {
            tw.addTree(rw.parseCommit(commit).getTree());
            tw.setRecursive(true);
            tw.setFilter(PathFilter.create(dir));
            while (tw.next()) {
                String name = tw.getNameString();
                if (!(name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml"))) {
                    continue;
                }
                String path = tw.getPathString();
                FileMode mode = tw.getFileMode(0);
                if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
                    out.add(new File(path, null, "not a regular file (links are not followed)"));
                    continue;
                }
                long size = repository.open(tw.getObjectId(0)).getSize();
                if (size > MAX_BYTES) {
                    out.add(new File(path, null, "is " + size + " bytes, over the limit of " + MAX_BYTES));
                    continue;
                }
                out.add(new File(path, repository.open(tw.getObjectId(0)).getBytes(), null));
            }
        }
        return out;
    }
}
