package dev.cacheback.jpa;

import dev.cacheback.test.TestServers;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A database for one test class: an embedded H2, or a schema of its own on the shared PostgreSQL. */
abstract class TestDatabase implements AutoCloseable {

    static final String UNIT = "cacheback-jpa-test";

    private EntityManagerFactory emf;

    abstract String label();

    abstract Map<String, Object> connectionProperties();

    /** Drops what {@link #open()} created. */
    abstract void drop() throws SQLException;

    EntityManagerFactory open() {
        Map<String, Object> properties = new HashMap<>(connectionProperties());
        properties.put("jakarta.persistence.schema-generation.database.action", "drop-and-create");
        properties.put("hibernate.show_sql", "false");
        emf = Persistence.createEntityManagerFactory(UNIT, properties);
        return emf;
    }

    @Override
    public void close() throws SQLException {
        try {
            if (emf != null) {
                emf.close();
            }
        } finally {
            drop();
        }
    }

    /** An in-memory H2 database, named uniquely, kept until closed. */
    static TestDatabase h2() {
        String url = "jdbc:h2:mem:" + TestServers.uniquePrefix("cbjpa") + ";DB_CLOSE_DELAY=-1";
        return new TestDatabase() {
            @Override
            String label() {
                return "H2";
            }

            @Override
            Map<String, Object> connectionProperties() {
                return Map.of("jakarta.persistence.jdbc.url", url, "jakarta.persistence.jdbc.user", "sa",
                        "jakarta.persistence.jdbc.password", "");
            }

            @Override
            void drop() throws SQLException {
                try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
                    s.execute("SHUTDOWN");
                }
            }
        };
    }

    /**
     * The shared PostgreSQL ({@link TestServers#postgresUrl()}), in a schema created for this run and
     * dropped at the end. Skips (fails in CI) when the server is not reachable.
     */
    static TestDatabase postgres() {
        String url = TestServers.postgresUrl();
        URI uri = URI.create(url.substring("jdbc:".length()));
        TestServers.require("PostgreSQL", uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
        String user = TestServers.postgresUser();
        String schema = TestServers.uniquePrefix("cb_jpa").replace('-', '_').toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create schema " + schema + " on " + url, e);
        }
        return new TestDatabase() {
            @Override
            String label() {
                return "PostgreSQL schema " + schema;
            }

            @Override
            Map<String, Object> connectionProperties() {
                return Map.of("jakarta.persistence.jdbc.url", url, "jakarta.persistence.jdbc.user", user,
                        "jakarta.persistence.jdbc.password", "", "hibernate.default_schema", schema);
            }

            @Override
            void drop() throws SQLException {
                try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
        };
    }
}
