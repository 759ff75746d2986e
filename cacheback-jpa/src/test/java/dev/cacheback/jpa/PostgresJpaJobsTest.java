package dev.cacheback.jpa;

import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.JvmProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JPA jobs on the real PostgreSQL ({@code CACHEBACK_POSTGRES_URL}, default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}), in a schema created for this run and dropped after it;
 * plus a worker in another JVM.
 */
class PostgresJpaJobsTest extends JpaJobsContract {

    private TestDatabase database;

    @Override
    TestDatabase database() {
        database = TestDatabase.postgres();
        return database;
    }

    @Test
    void aWorkerInAnotherJvmRebuildsTheJobFromTheTaskAndRefusesEntitiesItHasNoJobFor() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        Map<String, Object> ada = Map.of("username", "ada");
        users.get(ada);
        rename(1, "Augusta Ada King");
        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(users.get(ada).getFullName()).isEqualTo("Ada Lovelace");
        books.asyncRefresh(Map.of("year", 1843));
        List<String> tasks = queue.pending().stream().map(RefreshTask::toBytes)
                .map(Base64.getEncoder()::encodeToString).toList();
        assertThat(tasks).hasSize(2);

        Map<String, Object> connection = database.connectionProperties();
        try (JvmProcess worker = JvmProcess.start("jpa-worker", WorkerMain.class,
                (String) connection.get("jakarta.persistence.jdbc.url"),
                (String) connection.get("jakarta.persistence.jdbc.user"),
                (String) connection.get("hibernate.default_schema"), tasks.get(0), tasks.get(1))) {
            assertThat(worker.waitFor(Duration.ofSeconds(90))).as(String.join("\n", worker.lines())).isZero();
            assertThat(worker.lines()).contains("RESULT jpa.get:User DONE", "STORED Augusta Ada King",
                    "RESULT jpa.filter:Book+author UNKNOWN_JOB", "WORKER DONE");
        }
    }
}
