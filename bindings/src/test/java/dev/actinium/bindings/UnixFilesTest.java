package dev.actinium.bindings;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Tests of file owners and modes: each gets a temporary directory, and runs only where files have Unix attributes. */
abstract class UnixFilesTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void unixOnly() {
        Assumptions.assumeTrue(Path.of("/").getFileSystem().supportedFileAttributeViews().contains("unix"),
                "owner and mode checks need Unix file attributes");
    }
}
