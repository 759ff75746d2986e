package dev.cacheback;

import dev.cacheback.spi.DeadLetter;
import dev.cacheback.spi.QueueState;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "Fleet state" Java block, run as it is written: the block between {@code // --- README}
 * and {@code // --- end} below is the README's word for word (indentation aside), which
 * {@link #theReadmeShowsThisBlockWordForWord} checks.
 */
class ReadmeFleetStateTest {

    @Test
    void theBlockReadsTheStateListsADeadLetterAndReQueuesIt() {
        TestClock clock = new TestClock();
        ManualRefreshQueue manual = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(manual)
                .retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).build()) {
            CountingJob quoteJob = new CountingJob(cacheback, JobSettings.builder().name("readme.quotes").build());
            quoteJob.get("ACME");
            quoteJob.get("ACME");
            quoteJob.failWith(new IllegalStateException("source down"));
            quoteJob.asyncRefresh("ACME");
            quoteJob.asyncRefresh("IBM");
            manual.runPending();
            quoteJob.failWith(null);

            // --- README
            JobState state = quoteJob.state();                          // this job name's counts in this runtime
            long served = state.hits() + state.stale() + state.misses();
            List<JobState.Error> errors = state.lastErrors();           // the latest 10: when, key, message (escaped)
            FleetState fleet = cacheback.state();                       // every job's state, and the queue's
            for (QueueState queue : fleet.queues()) {                   // waiting, retrying, inFlight, deadLetters
                System.out.println(queue.queue() + ": " + queue.waiting() + " waiting, " + queue.deadLetters() + " dead");
            }
            List<DeadLetter> dead = cacheback.queue().deadLetters(20);  // oldest first: id, queue, job, key, reason, attempts, when
            cacheback.queue().requeue(dead.get(0).id());                // one, run again as a first attempt
            cacheback.queue().requeueAll();                             // every one held now
            // --- end

            assertThat(served).isEqualTo(2);
            assertThat(errors).hasSize(2).allSatisfy(e -> assertThat(e.message()).contains("source down"));
            assertThat(fleet.queues()).containsExactly(new QueueState("manual", 0, 0, 0, 2));
            assertThat(dead).extracting(DeadLetter::key).containsExactly(quoteJob.key("ACME"), quoteJob.key("IBM"));
            assertThat(manual.deadLetters()).isEmpty();
            assertThat(manual.runPending()).isEqualTo(2);
            assertThat(quoteJob.rawGet("IBM")).isPresent();
        }
    }

    @Test
    void theReadmeShowsThisBlockWordForWord() throws IOException {
        String readme = normalize(Files.readAllLines(Path.of("..", "README.md")));
        List<String> source = Files.readAllLines(Path.of("src", "test", "java", "dev", "cacheback", "ReadmeFleetStateTest.java"));
        List<String> block = new ArrayList<>();
        boolean in = false;
        for (String line : source) {
            if (line.strip().equals("// --- README")) {
                in = true;
            } else if (line.strip().equals("// --- end")) {
                in = false;
            } else if (in) {
                block.add(line);
            }
        }
        assertThat(block).hasSize(10);
        assertThat(readme).as("the README's Fleet state block").contains("### Fleet state").contains(normalize(block));
    }

    /** Lines without their indentation, joined: the README block sits at column 0, the test's inside a method. */
    private static String normalize(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.strip()).append('\n');
        }
        return sb.toString();
    }
}
