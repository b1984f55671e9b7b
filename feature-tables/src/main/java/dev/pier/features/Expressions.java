package dev.pier.features;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlContext;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlScript;
import org.apache.commons.jexl3.introspection.JexlPermissions;

/**
 * The on-demand feature views' expression language: Apache Commons JEXL 3 cut down to arithmetic, comparison, logic,
 * the conditional operator, string concatenation, {@code size}/{@code empty}, and the static methods of {@link Math}
 * under the {@code math:} namespace ({@code math:log(x + 1)}). Nothing else: no classes, constructors, methods or
 * properties of values (every introspection is denied), no loops, lambdas, assignments, local variables, pragmas or
 * literals of maps and arrays — an expression reads its inputs and answers one value, so a definition cannot run code
 * on the server. Compiled once ({@link #compile}); a compiled expression is immutable and thread-safe.
 */
public final class Expressions {
  /** Longest expression accepted: an expression has no loops, so its size bounds its cost. */
  public static final int MAX_LENGTH = 1_000;

  private static final JexlFeatures FEATURES = new JexlFeatures()
      .sideEffect(false).sideEffectGlobal(false).loops(false).newInstance(false).methodCall(false).lambda(false)
      .annotation(false).pragma(false).structuredLiteral(false).localVar(false).register(false)
      .importPragma(false).namespacePragma(false).script(false);

  /** Only {@code java.lang.Math}'s public static methods, for the {@code math:} namespace; nothing else at all. */
  private static final JexlPermissions MATH_ONLY = new JexlPermissions() {
    @Override
    public boolean allow(Package pack) {
      return pack != null && pack.getName().equals("java.lang");
    }

    @Override
    public boolean allow(Class<?> clazz) {
      return clazz == Math.class;
    }

    @Override
    public boolean allow(Constructor<?> ctor) {
      return false;
    }

    @Override
    public boolean allow(Method method) {
      return method.getDeclaringClass() == Math.class && Modifier.isStatic(method.getModifiers());
    }

    @Override
    public boolean allow(java.lang.reflect.Field field) {
      return false;
    }

    @Override
    public JexlPermissions compose(String... src) {
      throw new UnsupportedOperationException("the expression sandbox's permissions are fixed");
    }
  };

  private static final JexlEngine ENGINE = new JexlBuilder().features(FEATURES).permissions(MATH_ONLY)
      .namespaces(Map.of("math", Math.class)).strict(true).safe(false).silent(false).antish(false).cache(0)
      .create();

  private Expressions() {}

  /** A compiled expression and the names it reads. */
  public record Compiled(String text, JexlScript script, Set<String> variables) {
    /** Evaluates with {@code inputs} giving each variable's value; {@link JexlException} on an error. */
    public Object evaluate(JexlContext inputs) {
      return script.execute(inputs);
    }
  }

  /**
   * Compiles {@code text}; throws {@link IllegalArgumentException} saying what is wrong (a syntax error, or a construct
   * the sandbox refuses).
   */
  public static Compiled compile(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the expression is empty");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("the expression is " + text.length() + " characters; at most " + MAX_LENGTH);
    }
    JexlScript script;
    try {
      script = ENGINE.createScript(text);
    } catch (JexlException e) {
      throw new IllegalArgumentException(message(e));
    }
    List<String> names = new ArrayList<>();
    for (List<String> v : script.getVariables()) {
      if (v.size() != 1) {
        throw new IllegalArgumentException("'" + String.join(".", v) + "': properties of values are not allowed");
      }
      names.add(v.get(0));
    }
    return new Compiled(text, script, Set.copyOf(names));
  }

  /** JEXL's message without its class and position decorations where it has a plainer one. */
  static String message(JexlException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.replaceAll("^[\\w.$:]*@\\d+:\\d+ ", "");
  }
}
