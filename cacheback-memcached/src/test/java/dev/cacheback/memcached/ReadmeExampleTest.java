package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's memcached example, run against two memcached servers of the test's own, and kept word for word. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleWorks() {
        try (MemcachedProcess one = MemcachedProcess.start(); MemcachedProcess two = MemcachedProcess.start()) {
            String servers = one.address() + " " + two.address();
            // --- README
            Cacheback cacheback = Cacheback.builder()
                    .cache("default", MemcachedCacheBackend.builder(servers)  // such as "cache-1:11211 cache-2:11211"
                            .keyPrefix("shop:")                         // default: none; at most 8 bytes
                            .operationTimeout(Duration.ofMillis(500))   // default 1 s
                            .probeInterval(Duration.ofSeconds(1))       // default 1 s
                            .itemSizeLimit(1_048_576)                   // your servers' -I; default 1 MB
                            .build())
                    .build();
            // --- end
            try (cacheback; MemcachedText rawOne = new MemcachedText(one.address());
                 MemcachedText rawTwo = new MemcachedText(two.address())) {
                CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(TestServers.uniquePrefix("readme")).build());
                assertThat(job.get("a")).isEqualTo("a#1");
                assertThat(job.get("a")).isEqualTo("a#1");
                assertThat(rawOne.get("shop:" + job.key("a")) != null ^ rawTwo.get("shop:" + job.key("a")) != null)
                        .as("stored once, under the prefix").isTrue();
            }
        }
    }

    @Test
    void theReadmeShowsThisExampleWordForWord() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int section = readme.indexOf("## memcached (`cacheback-memcached`)");
        assertThat(section).as("the README's memcached section").isNotNegative();
        int open = readme.subList(section, readme.size()).indexOf("```java") + section;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        List<String> shown = readme.subList(open + 1, close).stream().map(String::strip).toList();

        List<String> source = Files.readAllLines(Path.of("src", "test", "java", "dev", "cacheback", "memcached",
                "ReadmeExampleTest.java"));
        int from = source.indexOf(source.stream().filter(l -> l.strip().equals("// --- README")).findFirst().orElseThrow());
        int to = source.indexOf(source.stream().filter(l -> l.strip().equals("// --- end")).findFirst().orElseThrow());
        List<String> tested = source.subList(from + 1, to).stream().map(String::strip).toList();

        assertThat(tested).hasSizeGreaterThan(5);
        assertThat(shown).isEqualTo(tested);
    }
}
