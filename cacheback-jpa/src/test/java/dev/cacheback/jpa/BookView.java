package dev.cacheback.jpa;

/** A projection for JPQL constructor expressions. */
public record BookView(String title, String authorName) {
}
