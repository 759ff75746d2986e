package dev.cacheback.jpa;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.ManualRefreshQueue;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker process for {@link PostgresJpaJobsTest}: its own runtime, cache and persistence unit on the
 * same database; it registers a get job for {@code User} only, runs the tasks given as base64
 * arguments, and prints each outcome and what it stored.
 *
 * <p>Arguments: JDBC URL, user, schema, then one base64 task per argument.
 */
public final class WorkerMain {

    private WorkerMain() {
    }

    public static void main(String[] args) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("jakarta.persistence.jdbc.url", args[0]);
        properties.put("jakarta.persistence.jdbc.user", args[1]);
        properties.put("jakarta.persistence.jdbc.password", "");
        properties.put("hibernate.default_schema", args[2]);
        properties.put("jakarta.persistence.schema-generation.database.action", "none");
        EntityManagerFactory emf = Persistence.createEntityManagerFactory(TestDatabase.UNIT, properties);
        try (Cacheback worker = Cacheback.builder().queue(new ManualRefreshQueue()).build()) {
            EntityGetJob<User> users = new EntityGetJob<>(worker, User.class, emf, JpaJobsContract.SETTINGS);
            for (int i = 3; i < args.length; i++) {
                RefreshTask task = RefreshTask.fromBytes(Base64.getDecoder().decode(args[i]));
                TaskResult result = worker.runTask(task);
                System.out.println("RESULT " + task.jobName() + " " + result.outcome());
                if (result.outcome() == TaskResult.Outcome.DONE && task.jobName().equals(users.name())) {
                    System.out.println("STORED " + users.rawGet(Map.of("username", "ada")).orElseThrow().data()
                            .getFullName());
                }
            }
        } finally {
            emf.close();
        }
        System.out.println("WORKER DONE");
    }
}
