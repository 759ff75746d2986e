package dev.cacheback.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The report's machine line: what the kernel does with memory, read from a {@code /sys} the test writes. */
class MachineTest {

    @Test
    void namesCachesHugePagesAndARunningDamonMonitor(@TempDir Path sys) throws IOException {
        cache(sys, 0, "1", "32K", "Data");
        cache(sys, 1, "1", "32K", "Instruction");
        cache(sys, 2, "2", "512K", "Unified");
        cache(sys, 3, "3", "32768K", "Unified");
        write(sys.resolve("kernel/mm/transparent_hugepage/enabled"), "always [madvise] never\n");
        write(sys.resolve("kernel/mm/damon/admin/kdamonds/0/state"), "on\n");
        write(sys.resolve("kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/action"), "pageout\n");

        assertThat(RunAll.Machine.memoryNotes(sys)).isEqualTo("caches L1 32K, L2 512K, L3 32768K; transparent huge "
                + "pages madvise; a DAMON memory monitor runs (scheme pageout)");
    }

    @Test
    void saysNothingOfWhatItCannotRead(@TempDir Path sys) throws IOException {
        assertThat(RunAll.Machine.memoryNotes(sys.resolve("absent"))).isEmpty();
        write(sys.resolve("kernel/mm/damon/admin/kdamonds/0/state"), "off\n");
        assertThat(RunAll.Machine.memoryNotes(sys)).isEmpty();
    }

    private static void cache(Path sys, int index, String level, String size, String type) throws IOException {
        Path dir = sys.resolve("devices/system/cpu/cpu0/cache/index" + index);
        write(dir.resolve("level"), level + "\n");
        write(dir.resolve("size"), size + "\n");
        write(dir.resolve("type"), type + "\n");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
