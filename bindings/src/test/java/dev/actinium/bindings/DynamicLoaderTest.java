package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The dynamic loader's reason replaces FFM's bare "Cannot open library". */
@EnabledOnOs(OS.LINUX)
class DynamicLoaderTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatIsNotALibrary() throws IOException {
        Path file = Files.writeString(dir.resolve("libfake.so"), "not a library\n".repeat(400));
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> DynamicLoader.open(file));
        assertTrue(e.getMessage().contains(file + ": invalid ELF header"), e.getMessage());
    }

    @Test
    void aNameNotOnTheSystemLibraryPath() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> DynamicLoader.open("libnowhere.so"));
        assertTrue(e.getMessage().contains("libnowhere.so: cannot open shared object file"), e.getMessage());
    }

    @Test
    void aLibraryThatOpens() throws Exception {
        URL url = DynamicLoaderTest.class.getResource("/dev/actinium/native/" + NativeLibraries.platform() + "/"
                + System.mapLibraryName("actinium"));
        assertTrue(DynamicLoader.open(Path.of(url.toURI())).find("ak_version").isPresent());
    }
}
