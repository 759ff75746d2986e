package dev.cacheback.apicheck;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The failure message of {@link ApiSignaturesTest} names each changed type and line. */
class ApiDiffTest {

    private static final String BEFORE = """
            # header
            
            public final class a.Kept {
              public void same();
              public void gone(int);
            }
            
            public interface a.Removed<T> {
              public abstract T get();
            }
            """;

    private static final String AFTER = """
            # header, other text
            
            public final class a.Kept {
              public void same();
              public void gone(long);
            }
            
            public final class a.Added extends java.lang.Record {
              public int x();
            }
            """;

    @Test
    void listsRemovedAndAddedLinesPerType() {
        assertThat(ApiSignaturesTest.diff(BEFORE, AFTER)).isEqualTo("""
                a.Added (new type):
                  + public final class a.Added extends java.lang.Record {
                  + public int x();
                a.Kept:
                  - public void gone(int);
                  + public void gone(long);
                a.Removed (removed type):
                  - public interface a.Removed<T> {
                  - public abstract T get();
                """);
    }

    @Test
    void commentsAloneAreNotAnApiChange() {
        assertThat(ApiSignaturesTest.diff(BEFORE, BEFORE.replace("# header", "# another header")))
                .isEqualTo("  (only comments or order differ)\n");
    }
}
