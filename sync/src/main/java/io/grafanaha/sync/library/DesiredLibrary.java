package io.grafanaha.sync.library;

import io.grafanaha.sync.desired.FileError;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The library panels at one commit.
 *
 * @param commit the commit read
 * @param panels every usable file's panel, by path
 * @param errors every skipped file under {@code library-panels/}
 * @param protectedUids panels whose file was skipped but whose uid is known: neither updated nor deleted
 * @param holdsDeletes whether a skipped file's uid is unknown: then no library panel is deleted
 */
public record DesiredLibrary(ObjectId commit, List<DesiredLibraryPanel> panels, List<FileError> errors,
        Set<String> protectedUids, boolean holdsDeletes) {
    public DesiredLibrary {
        panels = List.copyOf(panels);
        errors = List.copyOf(errors);
        protectedUids = Set.copyOf(protectedUids);
    }

    public Map<String, DesiredLibraryPanel> byUid() {
        return panels.stream().collect(Collectors.toUnmodifiableMap(DesiredLibraryPanel::uid, Function.identity()));
    }

    public Optional<DesiredLibraryPanel> panel(String uid) {
        return Optional.ofNullable(byUid().get(uid));
    }
}
