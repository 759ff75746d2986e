package dev.cacheback.jpa;

/** The JPA jobs on an embedded, in-memory H2 database. */
class H2JpaJobsTest extends JpaJobsContract {

    @Override
    TestDatabase database() {
        return TestDatabase.h2();
    }
}
