/**
 * Cached Jakarta Persistence reads. The jobs read an entity's identifier and attributes by
 * reflection: a module that declares entities opens their package to {@code dev.cacheback.jpa}
 * (and to its persistence provider, which needs the same).
 */
module dev.cacheback.jpa {
    requires transitive dev.cacheback;
    requires transitive jakarta.persistence;

    exports dev.cacheback.jpa;
}
