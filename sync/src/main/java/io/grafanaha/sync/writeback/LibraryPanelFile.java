package io.grafanaha.sync.writeback;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grafanaha.sync.library.BackendLibraryPanel;
import io.grafanaha.sync.library.ReadLibraryPanels;
import java.io.IOException;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The one layout of a library panel's file in Git, for every write-back path (polling, {@link LibraryPanelPoller};
 * saves relayed by the gateway, {@link LibraryPanelChange}): what Grafana's API returns without the instance's own
 * fields, at {@code library-panels/<slug of its name>.json} (its uid when that name is taken), an existing file's
 * format and key order kept.
 */
final class LibraryPanelFile {
    private LibraryPanelFile() {}

    /**
     * The file's content: {@code uid}, {@code name}, {@code kind}, {@code folderUid} unless it is the managed root (the
     * default, so the file does not depend on {@code sync.folder}), {@code model}; rendered over {@code existing}.
     */
    static byte[] render(Optional<byte[]> existing, BackendLibraryPanel p, String rootFolderUid) throws IOException {
        ObjectNode f = JsonNodeFactory.instance.objectNode().put("uid", p.uid()).put("name", p.name()).put("kind", 1);
        if (!p.folderUid().equals(rootFolderUid)) {
            f.put("folderUid", p.folderUid());
        }
        f.set("model", p.model());
        return DashboardFile.renderFolder(existing, f);
    }

    /** Where a panel Git does not hold yet goes, at {@code head}. */
    static String newPath(GitWriter writer, ObjectId head, String syncPath, BackendLibraryPanel p) {
        String dir = (syncPath.isEmpty() ? "" : syncPath + "/") + ReadLibraryPanels.DIRECTORY + "/";
        String path = dir + DashboardFile.slug(p.name(), p.uid()) + ".json";
        try {
            return writer.read(head, path).isPresent() ? dir + p.uid() + ".json" : path;
        } catch (IOException e) {
            return dir + p.uid() + ".json";
        }
    }
}
