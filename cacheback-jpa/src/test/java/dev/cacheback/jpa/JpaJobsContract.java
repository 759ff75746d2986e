package dev.cacheback.jpa;

import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.CachebackException;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every behaviour of the JPA jobs against one real database; run on the embedded H2 and on the
 * shared PostgreSQL by its subclasses. Time moves with a {@link TestClock}, refreshes run when the
 * test says ({@link ManualRefreshQueue}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JpaJobsContract {

    static final Duration LIFETIME = Duration.ofMinutes(10);
    static final JobSettings SETTINGS = JobSettings.builder().lifetime(LIFETIME).build();

    private TestDatabase database;
    EntityManagerFactory emf;
    TestClock clock;
    ManualRefreshQueue queue;
    RecordingListener listener;
    Cacheback cacheback;

    abstract TestDatabase database();

    @BeforeAll
    void openDatabase() {
        database = database();
        emf = database.open();
    }

    @AfterAll
    void dropDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void seed() {
        inTransaction(em -> {
            em.createQuery("delete from Book").executeUpdate();
            em.createQuery("delete from Author").executeUpdate();
            em.createQuery("delete from User").executeUpdate();
            em.createQuery("update Person p set p.mentor = null").executeUpdate();
            em.createQuery("delete from Person").executeUpdate();
            Author ada = new Author(1L, "Ada Lovelace");
            Author charles = new Author(2L, "Charles Babbage");
            em.persist(ada);
            em.persist(charles);
            em.persist(new Book(10L, "Notes on the Engine", ada, 1843));
            em.persist(new Book(11L, "Passages", charles, 1864));
            em.persist(new Book(12L, "Sketch of the Engine", ada, 1842));
            em.persist(new User(1L, "ada", "Ada Lovelace", true));
            em.persist(new User(2L, "charles", "Charles Babbage", true));
            em.persist(new User(3L, "mary", "Mary Somerville", false));
            Person mary = new Person(20L, "Mary Somerville");
            Person augustus = new Person(21L, "Augustus De Morgan");
            em.persist(mary);
            em.persist(augustus);
            mary.setMentor(augustus);
            augustus.setMentor(mary);
        });
        clock = new TestClock();
        queue = new ManualRefreshQueue();
        listener = new RecordingListener();
        cacheback = Cacheback.builder().clock(clock).queue(queue).listener(listener).build();
    }

    @AfterEach
    void closeRuntime() {
        cacheback.close();
    }

    void inTransaction(Consumer<EntityManager> work) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            work.accept(em);
            em.getTransaction().commit();
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    void rename(long userId, String fullName) {
        inTransaction(em -> em.find(User.class, userId).setFullName(fullName));
    }

    // ------------------------------------------------------------------ hit / miss / stale

    @Test
    void getJobMissesThenHitsThenServesStaleWhileTheRowChangedAndTheRefreshPicksItUp() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        Map<String, Object> ada = Map.of("username", "ada");

        User miss = users.get(ada);
        assertThat(miss.getFullName()).isEqualTo("Ada Lovelace");
        assertThat(listener.count("miss.sync")).isEqualTo(1);
        assertThat(listener.count("fetch")).isEqualTo(1);

        rename(1, "Augusta Ada King");
        assertThat(users.get(ada).getFullName()).isEqualTo("Ada Lovelace");
        assertThat(listener.count("hit")).isEqualTo(1);
        assertThat(listener.count("fetch")).isEqualTo(1);

        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(users.get(ada).getFullName()).as("stale data is served").isEqualTo("Ada Lovelace");
        assertThat(listener.count("stale.async")).isEqualTo(1);
        assertThat(queue.pending()).hasSize(1);
        assertThat(listener.count("fetch")).as("the stale read did not query").isEqualTo(1);

        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(queue.results()).extracting(TaskResult::outcome).containsExactly(TaskResult.Outcome.DONE);
        assertThat(users.get(ada).getFullName()).isEqualTo("Augusta Ada King");
        assertThat(users.rawGet(ada)).get().extracting(CacheEntry::expiry).isEqualTo(clock.instant().plus(LIFETIME));
        assertThat(listener.count("hit")).isEqualTo(2);
        assertThat(listener.count("fetch")).isEqualTo(2);
    }

    @Test
    void filterJobMissesThenHitsThenServesStaleWhileRowsChangedAndTheRefreshPicksThemUp() {
        EntityFilterJob<User> users = new EntityFilterJob<>(cacheback, User.class, emf, SETTINGS);
        Map<String, Object> staff = Map.of("staff", true);

        assertThat(usernames(users.get(staff))).containsExactly("ada", "charles");
        inTransaction(em -> em.persist(new User(4L, "grace", "Grace Hopper", true)));
        assertThat(usernames(users.get(staff))).containsExactly("ada", "charles");
        assertThat(listener.count("hit")).isEqualTo(1);

        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(usernames(users.get(staff))).as("stale").containsExactly("ada", "charles");
        assertThat(listener.count("stale.async")).isEqualTo(1);
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(usernames(users.get(staff))).containsExactly("ada", "charles", "grace");
        assertThat(listener.count("fetch")).isEqualTo(2);

        assertThat(users.get(Map.of("staff", true, "username", "nobody"))).as("no match is an empty list").isEmpty();
        assertThat(usernames(users.get(Map.of()))).as("no filter reads every row")
                .containsExactly("ada", "charles", "mary", "grace");
        assertThatThrownBy(() -> users.get(staff).add(new User())).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void withoutFetchOnMissAMissReturnsEmptyAndTheRefreshFillsTheEntry() {
        EntityFilterJob<User> users = new EntityFilterJob<>(cacheback, User.class, emf,
                JobSettings.builder().fetchOnMiss(false).build());
        Map<String, Object> staff = Map.of("staff", false);
        assertThat(users.get(staff)).as("empty() while the refresh runs").isNull();
        assertThat(listener.count("miss.async")).isEqualTo(1);
        assertThat(listener.count("fetch")).isZero();
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(usernames(users.get(staff))).containsExactly("mary");
        assertThat(listener.count("hit")).isEqualTo(1);
    }

    @Test
    void jpqlJobMissesThenHitsThenServesStaleWhileRowsChangedAndTheRefreshPicksThemUp() {
        JpqlQueryJob<BookView> views = new JpqlQueryJob<>(cacheback, emf,
                "select new dev.cacheback.jpa.BookView(b.title, a.name) from Book b join b.author a"
                        + " where b.year >= :since order by b.year", BookView.class, SETTINGS);
        Map<String, Object> since1843 = Map.of("since", 1843);

        assertThat(views.get(since1843)).containsExactly(new BookView("Notes on the Engine", "Ada Lovelace"),
                new BookView("Passages", "Charles Babbage"));
        inTransaction(em -> em.find(Book.class, 11L).setTitle("Passages from the Life of a Philosopher"));
        assertThat(views.get(since1843)).extracting(BookView::title).contains("Passages");
        assertThat(listener.count("hit")).isEqualTo(1);

        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(views.get(since1843)).extracting(BookView::title).as("stale").contains("Passages");
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(views.get(since1843)).extracting(BookView::title)
                .containsExactly("Notes on the Engine", "Passages from the Life of a Philosopher");
        assertThat(listener.count("fetch")).isEqualTo(2);
        assertThat(views.parameterNames()).containsExactly("since");
    }

    @Test
    void jpqlJobCachesEntitiesLoadedWithJoinFetchAndCollectionParameters() {
        JpqlQueryJob<Book> books = new JpqlQueryJob<>(cacheback, emf,
                "select b from Book b join fetch b.author where b.id in :ids order by b.id", Book.class, SETTINGS);
        List<Book> found = books.get(Map.of("ids", List.of(12, 11)));
        assertThat(found).extracting(Book::getTitle).containsExactly("Passages", "Sketch of the Engine");
        assertThat(found).extracting(b -> b.getAuthor().getName()).as("loaded before the manager closed")
                .containsExactly("Charles Babbage", "Ada Lovelace");
    }

    // ------------------------------------------------------------------ nested paths, lazy associations

    @Test
    void nestedPathsFilterThroughJoinsAndFetchPathsLoadTheAssociation() {
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        List<Book> byAda = books.get(Map.of("author.name", "Ada Lovelace"));
        assertThat(byAda).extracting(Book::getTitle)
                .containsExactlyInAnyOrder("Notes on the Engine", "Sketch of the Engine");
        assertThat(byAda).extracting(b -> b.getAuthor().getName()).containsOnly("Ada Lovelace");

        EntityGetJob<Book> book = new EntityGetJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        Book passages = book.get(Map.of("author.name", "Charles Babbage", "year", 1864));
        assertThat(passages.getTitle()).isEqualTo("Passages");
        assertThat(passages.getAuthor().getName()).isEqualTo("Charles Babbage");
        assertThat(book.get(Map.of("author.id", 2, "year", 1864L)).getId()).as("hit, whatever the number class")
                .isEqualTo(11L);
        assertThat(listener.count("fetch")).isEqualTo(3);
    }

    @Test
    void aLazyAssociationThatWasNotLoadedIsRefusedNamingItAndNothingIsCached() {
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS);
        Map<String, Object> filters = Map.of("year", 1843);
        assertThatThrownBy(() -> books.get(filters))
                .isInstanceOf(UncacheableResultException.class)
                .hasMessageContaining("Book.author is not loaded")
                .hasMessageContaining("fetch")
                .satisfies(e -> assertThat(((UncacheableResultException) e).attribute()).isEqualTo("Book.author"));
        assertThat(books.rawGet(filters)).isEmpty();

        EntityGetJob<Book> book = new EntityGetJob<>(cacheback, Book.class, emf, SETTINGS);
        assertThatThrownBy(() -> book.get(Map.of("id", 10))).isInstanceOf(UncacheableResultException.class)
                .hasMessageContaining("Book.author");
        JpqlQueryJob<Book> query = new JpqlQueryJob<>(cacheback, emf, "select b from Book b where b.id = :id",
                Book.class, SETTINGS);
        assertThatThrownBy(() -> query.get(Map.of("id", 10))).isInstanceOf(UncacheableResultException.class)
                .hasMessageContaining("Book.author");
        assertThat(listener.count("fetch.failed")).isEqualTo(3);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void getJobFailsClearlyForNoRowAndForSeveralRowsAndCachesNeither() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        Map<String, Object> nobody = Map.of("username", "nobody");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> users.get(nobody)).isInstanceOf(NoResultForFiltersException.class)
                    .hasMessageContaining("No User matches {username=nobody}")
                    .satisfies(e -> assertThat(((NoResultForFiltersException) e).entityName()).isEqualTo("User"));
        }
        assertThat(users.rawGet(nobody)).isEmpty();

        Map<String, Object> staff = Map.of("staff", true);
        assertThatThrownBy(() -> users.get(staff)).isInstanceOf(MultipleResultsForFiltersException.class)
                .hasMessageContaining("More than one User matches {staff=true}")
                .satisfies(e -> assertThat(((MultipleResultsForFiltersException) e).filters()).isEqualTo(staff));
        assertThat(users.rawGet(staff)).isEmpty();
        assertThat(listener.count("fetch.failed")).as("every call queried again").isEqualTo(3);
    }

    @Test
    void aRefreshThatFindsNoRowLeavesTheEntryAsItWas() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        Map<String, Object> mary = Map.of("username", "mary");
        assertThat(users.get(mary).getFullName()).isEqualTo("Mary Somerville");
        inTransaction(em -> em.remove(em.find(User.class, 3L)));
        clock.advance(LIFETIME.plusSeconds(1));
        assertThat(users.get(mary).getFullName()).isEqualTo("Mary Somerville");
        queue.runPending();
        assertThat(queue.results()).extracting(TaskResult::outcome).containsExactly(TaskResult.Outcome.FAILED);
        assertThat(queue.results().get(0).error()).isInstanceOf(NoResultForFiltersException.class);
        assertThat(users.rawGet(mary)).get().extracting(e -> e.data().getFullName()).isEqualTo("Mary Somerville");
    }

    @Test
    void badFiltersFailAtCallTimeNamingEntityAndAttributeBeforeAnyQuery() {
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        assertThatThrownBy(() -> books.get(Map.of("titel", "Passages")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown attribute Book.titel")
                .hasMessageContaining("title");
        assertThatThrownBy(() -> books.get(Map.of("author.nme", "Ada")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown attribute Author.nme")
                .hasMessageContaining("on Book");
        assertThatThrownBy(() -> books.get(Map.of("year", "1843")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Book.year")
                .hasMessageContaining("java.lang.String");
        assertThatThrownBy(() -> books.get(Map.of("year", 1843.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Book.year");
        assertThatThrownBy(() -> books.get(Map.of("author.name", 7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Author.name").hasMessageContaining("java.lang.Integer");
        assertThatThrownBy(() -> books.get(Map.of("author", 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"author.id\"");
        Map<String, Object> nullYear = new HashMap<>();
        nullYear.put("year", null);
        assertThatThrownBy(() -> books.get(nullYear))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Book.year");
        assertThatThrownBy(() -> books.invalidate(Map.of("titel", "x"))).hasMessageContaining("Book.titel");
        assertThatThrownBy(() -> books.rawGet(Map.of("titel", "x"))).hasMessageContaining("Book.titel");

        JpqlQueryJob<Book> query = new JpqlQueryJob<>(cacheback, emf,
                "select b from Book b join fetch b.author where b.year = :year", Book.class, SETTINGS);
        assertThatThrownBy(() -> query.get(Map.of("yaer", 1843))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no query parameter named [yaer]");
        assertThatThrownBy(() -> query.get(Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a value for query parameter(s) [year]");
        assertThatThrownBy(() -> query.get(Map.of("year", "1843"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(":year");

        assertThat(listener.count("fetch") + listener.count("fetch.failed")).as("no query ran").isZero();
        assertThat(listener.count("miss.sync")).isZero();
    }

    @Test
    void invalidQueriesAndUnknownEntitiesFailAtConstruction() {
        assertThatThrownBy(() -> new JpqlQueryJob<>(cacheback, emf, "select b from Boook b", Book.class, SETTINGS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Invalid JPQL");
        assertThatThrownBy(() -> new JpqlQueryJob<>(cacheback, emf, "select b from Book b where b.id = ?1",
                Book.class, SETTINGS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positional");
        assertThatThrownBy(() -> new EntityGetJob<>(cacheback, String.class, emf, SETTINGS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String is not an entity");
        assertThatThrownBy(() -> new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("title")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an association");
        assertThat(cacheback.jobs()).isEmpty();
    }

    // ------------------------------------------------------------------ keys

    @Test
    void equalFiltersMakeEqualKeysWhateverTheirOrderOrNumberClasses() {
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("year", 1843);
        a.put("author.name", "Ada Lovelace");
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("author.name", "Ada Lovelace");
        b.put("year", 1843L);
        assertThat(books.key(a)).isEqualTo(books.key(b)).startsWith("jpa.filter:Book+author:")
                .hasSize("jpa.filter:Book+author:".length() + 32);
        assertThat(books.key(Map.of("year", 1842))).isNotEqualTo(books.key(Map.of("year", 1843)));

        EntityGetJob<Book> book = new EntityGetJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        assertThat(book.key(a)).startsWith("jpa.get:Book+author:").isNotEqualTo(books.key(a));
        EntityFilterJob<Book> plain = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS);
        assertThat(plain.key(a)).as("another cached shape, another key").startsWith("jpa.filter:Book:")
                .isNotEqualTo(books.key(a));
        assertThat(new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author")).name())
                .isEqualTo(books.name());
        books.get(a);
        books.get(b);
        assertThat(listener.count("fetch")).isEqualTo(1);
        assertThat(listener.count("hit")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ what is stored

    @Test
    void byteStoringCachesRoundTripEntitiesAndProjections() {
        try (Cacheback copies = Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory(100, true))
                .queue(new ManualRefreshQueue()).build()) {
            EntityGetJob<Book> book = new EntityGetJob<>(copies, Book.class, emf, SETTINGS, List.of("author"));
            Book first = book.get(Map.of("id", 11));
            Book second = book.get(Map.of("id", 11));
            assertThat(second).as("decoded from bytes").isNotSameAs(first);
            assertThat(second.getAuthor().getName()).isEqualTo("Charles Babbage");
            assertThat(second.getYear()).isEqualTo(1864);

            JpqlQueryJob<BookView> views = new JpqlQueryJob<>(copies, emf,
                    "select new dev.cacheback.jpa.BookView(b.title, a.name) from Book b join b.author a where a.id = :a"
                            + " order by b.id", BookView.class, SETTINGS);
            views.get(Map.of("a", 1));
            assertThat(views.get(Map.of("a", 1))).containsExactly(
                    new BookView("Notes on the Engine", "Ada Lovelace"), new BookView("Sketch of the Engine", "Ada Lovelace"));
        }
    }

    @Test
    void aResultTheCodecCannotEncodeFailsClearlyAndIsNotStored() {
        try (Cacheback copies = Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory(100, true))
                .queue(new ManualRefreshQueue()).build()) {
            EntityGetJob<Person> people = new EntityGetJob<>(copies, Person.class, emf, SETTINGS);
            assertThatThrownBy(() -> people.get(Map.of("id", 20)))
                    .isInstanceOf(CachebackException.class)
                    .hasMessageContaining("Unable to save data of type dev.cacheback.jpa.Person")
                    .hasMessageContaining("Cannot encode a value of type dev.cacheback.jpa.Person");
            assertThat(people.rawGet(Map.of("id", 20))).isEmpty();
        }
        // the in-memory backend that keeps objects needs no encoding: the loaded cycle is safe to read
        EntityGetJob<Person> people = new EntityGetJob<>(cacheback, Person.class, emf, SETTINGS);
        Person mary = people.get(Map.of("id", 20));
        assertThat(mary.getMentor().getMentor()).isSameAs(mary);
    }

    // ------------------------------------------------------------------ workers in other processes

    @Test
    void aWorkerRebuildsTheJobFromTheTaskBytesAndStoresTheChange() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        Map<String, Object> ada = Map.of("username", "ada");
        Map<String, Object> byAda = Map.of("author.name", "Ada Lovelace", "year", 1843);
        users.get(ada);
        books.get(byAda);
        rename(1, "Augusta Ada King");
        inTransaction(em -> em.find(Book.class, 10L).setTitle("Notes by the Translator"));
        clock.advance(LIFETIME.plusSeconds(1));
        users.get(ada);
        books.get(byAda);
        List<byte[]> wire = queue.pending().stream().map(RefreshTask::toBytes).toList();
        assertThat(wire).hasSize(2);

        // the worker process: its own runtime, its own cache, the jobs it is allowed to run
        TestClock workerClock = new TestClock(clock.instant().plusSeconds(5));
        try (Cacheback worker = Cacheback.builder().clock(workerClock).queue(new ManualRefreshQueue()).build()) {
            EntityGetJob<User> workerUsers = new EntityGetJob<>(worker, User.class, emf, SETTINGS);
            EntityFilterJob<Book> workerBooks = new EntityFilterJob<>(worker, Book.class, emf, SETTINGS,
                    List.of("author"));
            for (byte[] bytes : wire) {
                assertThat(worker.runTask(RefreshTask.fromBytes(bytes)).outcome()).isEqualTo(TaskResult.Outcome.DONE);
            }
            CacheEntry<User> user = workerUsers.rawGet(ada).orElseThrow();
            assertThat(user.data().getFullName()).isEqualTo("Augusta Ada King");
            assertThat(user.expiry()).isEqualTo(workerClock.instant().plus(LIFETIME));
            assertThat(workerBooks.rawGet(byAda).orElseThrow().data()).extracting(Book::getTitle)
                    .containsExactly("Notes by the Translator");
        }
        assertThat(users.rawGet(ada).orElseThrow().data().getFullName()).as("the producer's cache is its own")
                .isEqualTo("Ada Lovelace");
    }

    @Test
    void aWorkerRejectsTasksForEntitiesItHasNoJobForOrThatDoNotMatchItsJob() {
        EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, SETTINGS);
        EntityFilterJob<Book> books = new EntityFilterJob<>(cacheback, Book.class, emf, SETTINGS, List.of("author"));
        users.asyncRefresh(Map.of("username", "ada"));
        books.asyncRefresh(Map.of("year", 1843));
        RefreshTask userTask = queue.pending().get(0);
        RefreshTask bookTask = queue.pending().get(1);

        try (Cacheback worker = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).build()) {
            new EntityGetJob<>(worker, User.class, emf, SETTINGS);
            assertThat(worker.runTask(RefreshTask.fromBytes(bookTask.toBytes())).outcome())
                    .as("no job for Book in this worker").isEqualTo(TaskResult.Outcome.UNKNOWN_JOB);

            RefreshTask forged = new RefreshTask(userTask.jobName(), userTask.key(), userTask.args(),
                    Map.of("entity", "Book", "cacheAlias", ""), userTask.options(), userTask.createdAt());
            TaskResult rejected = worker.runTask(RefreshTask.fromBytes(forged.toBytes()));
            assertThat(rejected.outcome()).isEqualTo(TaskResult.Outcome.REJECTED);
            assertThat(rejected.reason()).contains("entity \"Book\"").contains("jpa.get:User");

            RefreshTask otherAlias = new RefreshTask(userTask.jobName(), userTask.key(), userTask.args(),
                    Map.of("entity", "User", "cacheAlias", "elsewhere"), userTask.options(), userTask.createdAt());
            assertThat(worker.runTask(otherAlias).outcome()).isEqualTo(TaskResult.Outcome.REJECTED);

            assertThat(worker.runTask(userTask).outcome()).isEqualTo(TaskResult.Outcome.DONE);
        }
    }

    static List<String> usernames(List<User> users) {
        return users.stream().sorted(Comparator.comparing(User::getId)).map(User::getUsername).toList();
    }
}
