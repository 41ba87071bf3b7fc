package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The /proc/self/mounts parser, on tables written here (no mount, no root needed). */
class MountTableTest {
    private static final String TABLE = """
            /dev/vda / ext4 rw,relatime 0 0
            proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
            tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0
            /dev/vdb /tmp/build ext4 rw,relatime 0 0
            /dev/vdc /media/My\\040Disk\\011x vfat rw,noexec 0 0
            tmpfs /dev/shm tmpfs rw,relatime 0 0
            tmpfs /dev/shm tmpfs rw,noexec,relatime 0 0
            a line that is not a mount
            """;

    private final MountTable table = MountTable.parse(TABLE);

    private String mountPointOf(String path) {
        return table.mountOf(Path.of(path)).orElseThrow().mountPoint().toString();
    }

    @Test
    void theLongestMountPointThatIsAPrefixHoldsThePath() {
        assertEquals("/tmp", mountPointOf("/tmp/actinium-me/lib.so"));
        assertEquals("/tmp/build", mountPointOf("/tmp/build/x"));
        assertEquals("/tmp/build", mountPointOf("/tmp/build"));
        assertEquals("/", mountPointOf("/home/me/.cache"));
    }

    @Test
    void prefixesAreWholeNames() {
        assertEquals("/", mountPointOf("/tmpfoo/x"));
        assertEquals("/", mountPointOf("/procx"));
    }

    @Test
    void noexecIsReadFromTheOptions() {
        assertTrue(table.mountOf(Path.of("/tmp/x")).orElseThrow().noexec());
        assertFalse(table.mountOf(Path.of("/tmp/build/x")).orElseThrow().noexec());
        assertFalse(table.mountOf(Path.of("/home")).orElseThrow().noexec());
    }

    /** The kernel writes a space as \040 and a tab as \011; an undecoded name would never match. */
    @Test
    void octalEscapesAreDecoded() {
        MountTable.Mount m = table.mountOf(Path.of("/media/My Disk\tx/lib")).orElseThrow();
        assertEquals(Path.of("/media/My Disk\tx"), m.mountPoint());
        assertTrue(m.noexec());
        assertEquals("a\\b c\\0z", MountTable.unescape("a\\134b\\040c\\0z"));
    }

    /** A file system mounted over another at the same point hides it: the last line wins. */
    @Test
    void theLastMountAtAPointWins() {
        assertTrue(table.mountOf(Path.of("/dev/shm/x")).orElseThrow().noexec());
    }

    @Test
    void anEmptyTableKnowsNothing() {
        assertTrue(MountTable.EMPTY.mountOf(Path.of("/tmp")).isEmpty());
        assertTrue(MountTable.parse("").mountOf(Path.of("/tmp")).isEmpty());
    }
}
