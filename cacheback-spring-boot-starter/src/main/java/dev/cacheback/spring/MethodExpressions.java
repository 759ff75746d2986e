package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

import java.lang.reflect.Method;

/**
 * The SpEL attributes ({@code key}, {@code condition}, {@code unless}) of one annotated method,
 * parsed once at start-up and evaluated per call in a {@link MethodBasedEvaluationContext}: parameters
 * by name ({@code #symbol}, with {@code -parameters}) and position ({@code #p0}, {@code #a0}), the
 * root object {@link Root} ({@code #root.args}, {@code #root.methodName}), {@code #result} where a
 * result exists, and beans as {@code @name}. Thread-safe: parsed expressions are immutable.
 */
final class MethodExpressions {

    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    private final String annotation;
    private final Method method;
    private final @Nullable BeanFactory beanFactory;

    MethodExpressions(String annotation, Method method, @Nullable BeanFactory beanFactory) {
        this.annotation = annotation;
        this.method = method;
        this.beanFactory = beanFactory;
    }

    /**
     * Parses one attribute.
     *
     * @return the expression, or {@code null} when {@code text} is empty
     * @throws IllegalStateException naming the method and attribute when the text is not SpEL
     */
    @Nullable Expression parse(String attribute, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return PARSER.parseExpression(text);
        } catch (ParseException e) {
            throw new IllegalStateException(annotation + "(" + attribute + " = \"" + text + "\") on " + MethodJob.describe(method)
                    + " is not a SpEL expression: " + e.getMessage() + ". Write e.g. \"#symbol\", \"#p0\" or \"#root.args\"", e);
        }
    }

    /** The value of {@code expression} for a call with {@code args} (and {@code result}, when {@code hasResult}). */
    @Nullable Object value(Expression expression, String attribute, Object target, Object[] args, @Nullable Object result,
            boolean hasResult) {
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(new Root(method, args, target), method, args, NAMES);
        if (hasResult) {
            context.setVariable("result", result);
        }
        if (beanFactory != null) {
            context.setBeanResolver(new BeanFactoryResolver(beanFactory));
        }
        try {
            return expression.getValue(context);
        } catch (EvaluationException e) {
            throw new IllegalStateException(annotation + "(" + attribute + " = \"" + expression.getExpressionString() + "\") on "
                    + MethodJob.describe(method) + " cannot be evaluated: " + e.getMessage()
                    + (e.getMessage() != null && e.getMessage().contains("null") && !hasResult
                        ? " (parameter names need the -parameters compiler flag; #p0, #p1 … always work)" : ""), e);
        }
    }

    /** The boolean value of {@code expression}. */
    boolean test(Expression expression, String attribute, Object target, Object[] args, @Nullable Object result, boolean hasResult) {
        Object value = value(expression, attribute, target, args, result, hasResult);
        if (value instanceof Boolean b) {
            return b;
        }
        throw new IllegalStateException(annotation + "(" + attribute + " = \"" + expression.getExpressionString() + "\") on "
                + MethodJob.describe(method) + " must give true or false, not " + value);
    }

    /**
     * The root object of the expressions: {@code #root.method}, {@code #root.methodName},
     * {@code #root.args}, {@code #root.target}, {@code #root.targetClass}.
     */
    public static final class Root {
        private final Method method;
        private final Object[] args;
        private final Object target;

        Root(Method method, Object[] args, Object target) {
            this.method = method;
            this.args = args;
            this.target = target;
        }

        public Method getMethod() {
            return method;
        }

        public String getMethodName() {
            return method.getName();
        }

        public Object[] getArgs() {
            return args;
        }

        public Object getTarget() {
            return target;
        }

        public Class<?> getTargetClass() {
            return org.springframework.aop.support.AopUtils.getTargetClass(target);
        }
    }
}
