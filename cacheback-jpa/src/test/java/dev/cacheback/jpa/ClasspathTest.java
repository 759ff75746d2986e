package dev.cacheback.jpa;

import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The tests run on one Jakarta Persistence API: the 3.2 jar Hibernate 7 needs, not also the 3.1 jar main compiles against. */
class ClasspathTest {

    @Test
    void exactlyOnePersistenceApiJarIsOnTheTestClassPathAndItIs32() throws IOException {
        List<URL> copies = Collections.list(getClass().getClassLoader().getResources("jakarta/persistence/EntityManager.class"));
        assertThat(copies).hasSize(1);
        assertThat(copies.get(0).toString()).contains("jakarta.persistence-api-3.2.");
        assertThat(EntityManager.class.getPackage().getImplementationVersion()).startsWith("3.2");
    }
}
