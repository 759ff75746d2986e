package dev.cacheback.spring;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fails start-up when a {@code cacheback.*} key in any property source (files, environment
 * variables, system properties, command line) names no property of {@link CachebackProperties}, or
 * sets an option of another cache or queue type than the one chosen: a misspelled key would
 * otherwise leave the node on its defaults (an in-memory cache, an in-process queue) without a word.
 *
 * <p>Keys are compared as Spring Boot binds them (relaxed binding: {@code key-prefix},
 * {@code keyPrefix}, {@code key_prefix} and {@code CACHEBACK_..._KEYPREFIX} are one key). The error
 * names each unknown key, where it was set, and the nearest valid key (edit distance). Runs as a
 * bean factory post-processor, so before anything is bound or connected. Not thread-safe; used once.
 */
final class CachebackPropertyChecker implements BeanFactoryPostProcessor, Ordered {

    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("cacheback");
    private static final Node TREE = Node.of(CachebackProperties.class);
    /** Every valid key, with {@code *} for a map key (a cache alias): the candidates of a suggestion. */
    private static final List<String> KEYS = TREE.keys("cacheback");

    private final Environment environment;

    /** Every valid key, dashed, with {@code *} for a cache alias. */
    static List<String> keys() {
        return KEYS;
    }

    CachebackPropertyChecker(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Node tree = TREE;
        for (String bean : beanFactory.getBeanDefinitionNames()) {   // never initializes a FactoryBean to learn its type
            ConfigurationProperties annotation = beanFactory.findAnnotationOnBean(bean, ConfigurationProperties.class, false);
            if (annotation == null) {
                continue;
            }
            Class<?> type = beanFactory.getType(bean, false);
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            if (type != null && prefix.startsWith("cacheback.")) {
                // another properties class under cacheback.* (such as a sibling feature's): its keys are valid too
                tree = tree.with(prefix.substring("cacheback.".length()).split("\\."), Node.of(type));
            }
        }
        check(tree);
    }

    /**
     * Checks every {@code cacheback.*} key of the environment.
     *
     * @throws CachebackConfigurationException naming each unknown or misplaced key and the nearest valid one
     * @throws org.springframework.boot.context.properties.bind.BindException when a cache's or the queue's
     *         {@code type} has a value that is not a type
     */
    void check() {
        check(TREE);
    }

    private void check(Node tree) {
        Map<String, String> problems = new LinkedHashMap<>();
        boolean optionsMap = false;
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            for (ConfigurationPropertyName name : (Iterable<ConfigurationPropertyName>) iterable.stream()::iterator) {
                if (!ROOT.isAncestorOf(name) || problems.containsKey(name.toString())) {
                    continue;
                }
                if (isEnvironment(source) && name.getNumberOfElements() > 1
                        && tree.find(ConfigurationPropertyName.of("cacheback").append(
                                name.getElement(1, ConfigurationPropertyName.Form.UNIFORM)), 1) == null) {
                    // CACHEBACK_REDIS_URI and the like: the environment is shared with other tools (the worker
                    // commands, the test kit); only variables under a property or group of ours are checked
                    continue;
                }
                ConfigurationProperty property = iterable.getConfigurationProperty(name);
                Node found = tree.find(name, 1);
                if (found == null || (!found.leaf() && !isEmpty(property))) {
                    String key = name.toString();
                    optionsMap |= key.contains(".options.");
                    String dotted = dottedJobName(name);
                    problems.put(key, "Unknown property " + key + where(property, source) + ": did you mean "
                            + (dotted != null ? dotted : nearest(typedGroup(name), tree == TREE ? KEYS : tree.keys("cacheback"))) + "?");
                    continue;
                }
                String misplaced = misplacedOption(name);
                if (misplaced != null) {
                    problems.put(name.toString(), misplaced + where(property, source) + ".");
                }
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        String action = "Correct the key" + (problems.size() > 1 ? "s" : "") + " above. Every cacheback.* key must name "
                + "a Cacheback property (so that a misspelled key cannot leave this node on an in-memory cache and an "
                + "in-process queue); the keys are described in the configuration metadata your IDE completes from, "
                + "and in the README.";
        if (optionsMap) {
            action += " The free-form options map was replaced by typed groups named after the type: "
                    + "cacheback.caches.<alias>.redis.*, .memcached.*, .in-memory.* and cacheback.queue.redis.*, "
                    + ".rabbitmq.*, .in-process.* (the option names are unchanged).";
        }
        throw new CachebackConfigurationException(String.join("\n", problems.values()), action);
    }

    /** Whether {@code source} holds the process's environment variables. */
    private static boolean isEnvironment(ConfigurationPropertySource source) {
        return source.getUnderlyingSource() instanceof org.springframework.core.env.SystemEnvironmentPropertySource;
    }

    /**
     * For {@code cacheback.jobs.Quotes.quote.lifetime} (a job name with dots, written without brackets),
     * the bracketed key {@code cacheback.jobs[Quotes.quote].lifetime} when its last element is a job
     * setting; else {@code null}.
     */
    private static String dottedJobName(ConfigurationPropertyName name) {
        int n = name.getNumberOfElements();
        if (n < 5 || !name.getElement(1, ConfigurationPropertyName.Form.UNIFORM).equals("jobs")) {
            return null;
        }
        String setting = name.getElement(n - 1, ConfigurationPropertyName.Form.DASHED);
        if (!KEYS.contains("cacheback.jobs.*." + setting)) {
            return null;
        }
        StringBuilder job = new StringBuilder();
        for (int i = 2; i < n - 1; i++) {
            job.append(i > 2 ? "." : "").append(name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL));
        }
        return "cacheback.jobs[" + job + "]." + setting;
    }

    /**
     * A key of the former free-form {@code options} map ({@code cacheback.caches.<alias>.options.x},
     * {@code cacheback.queue.options.x}) as the typed group of the chosen type would spell it, so that the
     * suggestion names that group rather than whichever group is nearest in spelling; any other key as it is.
     */
    private ConfigurationPropertyName typedGroup(ConfigurationPropertyName name) {
        String key = name.toString();
        try {
            if (key.startsWith("cacheback.caches.") && name.getNumberOfElements() >= 5
                    && name.getElement(3, ConfigurationPropertyName.Form.UNIFORM).equals("options")) {
                CachebackProperties.CacheType type = Binder.get(environment).bind(name.chop(3).append("type"),
                        Bindable.of(CachebackProperties.CacheType.class)).orElse(CachebackProperties.CacheType.IN_MEMORY);
                return rename(name, 3, CachebackAutoConfiguration.name(type));
            }
            if (key.startsWith("cacheback.queue.options.") && name.getNumberOfElements() >= 4) {
                CachebackProperties.QueueType type = Binder.get(environment).bind("cacheback.queue.type",
                        CachebackProperties.QueueType.class).orElse(CachebackProperties.QueueType.IN_PROCESS);
                return rename(name, 2, CachebackAutoConfiguration.name(type));
            }
        } catch (RuntimeException e) {
            // an unreadable type is reported on its own: suggest from the key as written
        }
        return name;
    }

    private static ConfigurationPropertyName rename(ConfigurationPropertyName name, int element, String group) {
        ConfigurationPropertyName renamed = name.chop(element).append(group);
        for (int i = element + 1; i < name.getNumberOfElements(); i++) {
            renamed = renamed.append(name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL));
        }
        return renamed;
    }

    /** The valid key nearest to {@code name} (Levenshtein distance), with the user's cache alias kept. */
    static String nearest(ConfigurationPropertyName name, List<String> keys) {
        String actual = name.toString();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : keys) {
            for (String candidate : concrete(key, name)) {
                int d = distance(actual, candidate);
                if (d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    /** {@code key} with its {@code *} replaced by the element of {@code name} at the same place, or by "default". */
    private static List<String> concrete(String key, ConfigurationPropertyName name) {
        if (!key.contains("*")) {
            return List.of(key);
        }
        String[] parts = key.split("\\.");
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals("*")) {
                if (i < name.getNumberOfElements()) {
                    out.add(key.replace("*", name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL)));
                }
                out.add(key.replace("*", "default"));
                break;
            }
        }
        return out;
    }

    /** An option group of another type than the cache's or queue's, or {@code null}. */
    private String misplacedOption(ConfigurationPropertyName name) {
        String key = name.toString();
        String typeKey;
        String group;
        Enum<?> type;
        Enum<?>[] types;
        if (key.startsWith("cacheback.caches.") && name.getNumberOfElements() >= 5) {
            typeKey = "cacheback.caches." + name.getElement(2, ConfigurationPropertyName.Form.ORIGINAL) + ".type";
            group = name.getElement(3, ConfigurationPropertyName.Form.UNIFORM);
            types = CachebackProperties.CacheType.values();
            type = Binder.get(environment).bind(name.chop(3).append("type"),
                    Bindable.of(CachebackProperties.CacheType.class)).orElse(CachebackProperties.CacheType.IN_MEMORY);
        } else if (key.startsWith("cacheback.queue.") && name.getNumberOfElements() >= 4) {
            typeKey = "cacheback.queue.type";
            group = name.getElement(2, ConfigurationPropertyName.Form.UNIFORM);
            types = CachebackProperties.QueueType.values();
            type = Binder.get(environment).bind("cacheback.queue.type", CachebackProperties.QueueType.class)
                    .orElse(CachebackProperties.QueueType.IN_PROCESS);
        } else {
            return null;
        }
        String groupType = null;
        for (Enum<?> t : types) {
            if (CachebackAutoConfiguration.name(t).replace("-", "").equals(group)) {
                groupType = CachebackAutoConfiguration.name(t);
            }
        }
        if (groupType == null || type.name().replace("_", "").toLowerCase(Locale.ROOT).equals(group)) {
            return null;
        }
        return key + " is an option of the " + groupType + " type, but " + typeKey + " is "
                + CachebackAutoConfiguration.name(type) + " (set it to " + groupType + ", or remove the option)";
    }

    private static boolean isEmpty(ConfigurationProperty property) {
        return property == null || property.getValue() == null || property.getValue().toString().isBlank();
    }

    private static String where(ConfigurationProperty property, ConfigurationPropertySource source) {
        Origin origin = property != null ? property.getOrigin() : null;
        if (origin != null) {
            return " (" + origin + ")";
        }
        Object underlying = source.getUnderlyingSource();
        if (underlying instanceof org.springframework.core.env.PropertySource<?> ps) {
            return " (in " + ps.getName() + ")";
        }
        return "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The shape of the properties: a group of named children, a map (any key), or a leaf value. */
    static final class Node {

        private final Map<String, Node> children;
        private final Node mapValue;
        private final boolean indexed;
        private String dashed = "";

        private Node(Map<String, Node> children, Node mapValue, boolean indexed) {
            this.children = children;
            this.mapValue = mapValue;
            this.indexed = indexed;
        }

        static Node leaf(boolean indexed) {
            return new Node(null, null, indexed);
        }

        boolean leaf() {
            return children == null && mapValue == null;
        }

        /** The node {@code name} ends at, from element {@code index}; {@code null} when it names nothing. */
        Node find(ConfigurationPropertyName name, int index) {
            if (index == name.getNumberOfElements()) {
                return this;
            }
            if (leaf()) {
                return indexed && name.isNumericIndex(index) && index == name.getNumberOfElements() - 1 ? this : null;
            }
            if (mapValue != null) {
                return mapValue.find(name, index + 1);
            }
            Node child = children.get(name.getElement(index, ConfigurationPropertyName.Form.UNIFORM));
            return child == null ? null : child.find(name, index + 1);
        }

        /** A copy of this group with {@code sub} at {@code path} (dashed names), the groups on the way copied. */
        Node with(String[] path, Node sub) {
            if (children == null) {
                return this;
            }
            Map<String, Node> copy = new LinkedHashMap<>(children);
            String dashed = path[0];
            String uniform = dashed.replace("-", "").toLowerCase(Locale.ROOT);
            Node existing = copy.get(uniform);
            Node next;
            if (path.length == 1) {
                next = sub;
            } else {
                Node base = existing != null ? existing : new Node(new LinkedHashMap<>(), null, false);
                next = base.with(java.util.Arrays.copyOfRange(path, 1, path.length), sub);
            }
            copy.put(uniform, next.named(existing != null ? existing.dashed : dashed));
            return new Node(copy, mapValue, indexed).named(this.dashed);
        }

        /** The dashed keys of every leaf under {@code prefix}, {@code *} standing for a map key. */
        List<String> keys(String prefix) {
            List<String> out = new ArrayList<>();
            if (leaf()) {
                out.add(prefix);
            } else if (mapValue != null) {
                out.addAll(mapValue.keys(prefix + ".*"));
            } else {
                children.forEach((uniform, child) -> out.addAll(child.keys(prefix + "." + child.dashed)));
            }
            return out;
        }

        static Node of(Class<?> type) {
            Map<String, Node> children = new LinkedHashMap<>();
            for (PropertyDescriptor d : BeanUtils.getPropertyDescriptors(type)) {
                if (d.getReadMethod() == null || d.getName().equals("class")) {
                    continue;
                }
                Class<?> t = d.getPropertyType();
                Node child;
                if (scalar(t)) {
                    if (d.getWriteMethod() == null) {
                        continue;
                    }
                    child = leaf(false);
                } else if (Collection.class.isAssignableFrom(t) || t.isArray()) {
                    child = leaf(true);
                } else if (Map.class.isAssignableFrom(t)) {
                    Class<?> value = ResolvableType.forMethodReturnType(d.getReadMethod()).asMap().resolveGeneric(1);
                    child = new Node(null, value == null || scalar(value) ? leaf(false) : of(value), false);
                } else {
                    child = of(t);
                }
                String dashed = dashed(d.getName());
                children.put(dashed.replace("-", ""), child.named(dashed));
            }
            return new Node(children, null, false);
        }

        private Node named(String dashed) {
            this.dashed = dashed;
            return this;
        }

        private static boolean scalar(Class<?> t) {
            return t.isPrimitive() || t == String.class || Number.class.isAssignableFrom(t) || t == Boolean.class
                    || t == Character.class || t.isEnum() || t == Duration.class || t == DataSize.class
                    || t.getName().startsWith("java.time.");
        }

        private static String dashed(String camel) {
            StringBuilder b = new StringBuilder();
            for (char c : camel.toCharArray()) {
                if (Character.isUpperCase(c)) {
                    b.append('-').append(Character.toLowerCase(c));
                } else {
                    b.append(c);
                }
            }
            return b.toString().toLowerCase(Locale.ROOT);
        }
    }
}
