package dev.cacheback.jpa;

import dev.cacheback.Cacheback;
import dev.cacheback.test.RecordingListener;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's example, the seed's {@code user_detail} and {@code staff} views, kept compiling and working. */
class ReadmeExampleTest {

    // The seed: user = QuerySetGetJob(models.User).get(username=username), and
    // staff = QuerySetFilterJob(models.User).get(is_staff=True).
    // --- README example start
    static User userDetail(EntityManagerFactory emf, String username) {
        return new EntityGetJob<>(User.class, emf).get(Map.of("username", username));
    }
    static List<User> staff(EntityManagerFactory emf) {
        return new EntityFilterJob<>(User.class, emf).get(Map.of("staff", true));
    }
    // --- README example end

    private TestDatabase database;
    private EntityManagerFactory emf;
    private Cacheback cacheback;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void setUp() {
        database = TestDatabase.h2();
        emf = database.open();
        EntityManager em = emf.createEntityManager();
        em.getTransaction().begin();
        em.persist(new User(1L, "ada", "Ada Lovelace", true));
        em.persist(new User(2L, "mary", "Mary Somerville", false));
        em.getTransaction().commit();
        em.close();
        cacheback = Cacheback.builder().listener(listener).build().makeDefault();
    }

    @AfterEach
    void tearDown() throws Exception {
        cacheback.close();
        database.close();
    }

    @Test
    void theViewsReadThroughTheDefaultRuntimeAndHitTheCacheOnTheSecondRequest() {
        assertThat(userDetail(emf, "ada").getFullName()).isEqualTo("Ada Lovelace");
        assertThat(staff(emf)).extracting(User::getUsername).containsExactly("ada");
        assertThat(userDetail(emf, "ada").getFullName()).isEqualTo("Ada Lovelace");
        assertThat(staff(emf)).extracting(User::getUsername).containsExactly("ada");
        assertThat(listener.count("fetch")).isEqualTo(2);
        assertThat(listener.count("hit")).isEqualTo(2);
    }

    @Test
    void theReadmeShowsTheExampleWordForWord() throws java.io.IOException {
        List<String> source = java.nio.file.Files.readAllLines(java.nio.file.Path.of("src", "test", "java", "dev",
                "cacheback", "jpa", "ReadmeExampleTest.java"));
        int from = source.indexOf("    // --- README example start");
        int to = source.indexOf("    // --- README example end");
        StringBuilder block = new StringBuilder();
        source.subList(from + 1, to).forEach(line -> block.append(line.strip()).append('\n'));
        StringBuilder readme = new StringBuilder();
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "README.md"))
                .forEach(line -> readme.append(line.strip()).append('\n'));
        assertThat(readme.toString()).contains(block.toString());
    }
}
