package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** DynamoDB expressions: parsing (condition, key condition, filter, update, projection) and evaluation. */
final class Expr {

    private Expr() {}

    static final Set<String> RESERVED = loadReserved();

    private static Set<String> loadReserved() {
        try (InputStream in = Expr.class.getResourceAsStream("reserved-words.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return Set.copyOf(Arrays.asList(text.trim().split("\\s+")));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("reserved-words.txt missing", e);
        }
    }

    // ================================================================== AST

    /** A document path: top-level attribute name followed by map keys (String) and list indexes (Integer). */
    record Path(List<Object> elems) {
        String top() { return (String) elems.get(0); }

        boolean isPrefixOf(Path other) {
            return elems.size() <= other.elems.size() && other.elems.subList(0, elems.size()).equals(elems);
        }

        @Override public String toString() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < elems.size(); i++) {
                if (i > 0) sb.append(", ");
                Object e = elems.get(i);
                sb.append(e instanceof Integer ? "[" + e + "]" : e);
            }
            return sb.append(']').toString();
        }
    }

    sealed interface Operand {}
    record PathOp(Path path) implements Operand {}
    record ValOp(String name, Av value) implements Operand {}
    record SizeOp(Path path) implements Operand {}
    record IfNotExists(Path path, Operand fallback) implements Operand {}
    record ListAppend(Operand a, Operand b) implements Operand {}
    record Arith(Operand a, char op, Operand b) implements Operand {}

    sealed interface Cond {}
    record Cmp(String op, Operand l, Operand r) implements Cond {}
    record Between(Operand x, Operand lo, Operand hi) implements Cond {}
    record In(Operand x, List<Operand> list) implements Cond {}
    record And(Cond l, Cond r) implements Cond {}
    record Or(Cond l, Cond r) implements Cond {}
    record Not(Cond c) implements Cond {}
    record Exists(Path path, boolean exists) implements Cond {}
    record TypeIs(Path path, String type) implements Cond {}
    record BeginsWith(Operand a, Operand b) implements Cond {}
    record Contains(Operand a, Operand b) implements Cond {}

    record SetAct(Path path, Operand value) {}
    record AddAct(Path path, Av value) {}
    record DelAct(Path path, Av value) {}
    record Update(List<SetAct> sets, List<Path> removes, List<AddAct> adds, List<DelAct> deletes) {
        List<Path> paths() {
            List<Path> all = new ArrayList<>();
            sets.forEach(s -> all.add(s.path()));
            all.addAll(removes);
            adds.forEach(a -> all.add(a.path()));
            deletes.forEach(d -> all.add(d.path()));
            return all;
        }
    }

    // ================================================================== names and values

    /** ExpressionAttributeNames/Values of one request, with use tracking for the "unused" checks. */
    static final class Ctx {
        final Map<String, String> names = new LinkedHashMap<>();
        final Map<String, Av> values = new LinkedHashMap<>();
        final Set<String> usedNames = new HashSet<>();
        final Set<String> usedValues = new HashSet<>();
        final boolean hasNames, hasValues;

        Ctx(JsonNode request) {
            JsonNode n = request.get("ExpressionAttributeNames");
            JsonNode v = request.get("ExpressionAttributeValues");
            hasNames = n != null && !n.isNull();
            hasValues = v != null && !v.isNull();
            if (hasNames) {
                if (n.isEmpty()) throw DynamoException.validation("ExpressionAttributeNames must not be empty");
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().startsWith("#")) {
                        throw DynamoException.validation(
                                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + e.getKey() + "\"");
                    }
                    names.put(e.getKey(), e.getValue().asText());
                }
            }
            if (hasValues) {
                if (v.isEmpty()) throw DynamoException.validation("ExpressionAttributeValues must not be empty");
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().startsWith(":")) {
                        throw DynamoException.validation(
                                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + e.getKey() + "\"");
                    }
                    try {
                        values.put(e.getKey(), Av.fromJson(e.getValue()));
                    } catch (DynamoException ex) {
                        throw DynamoException.validation("ExpressionAttributeValues contains invalid value: "
                                + ex.getMessage() + " for key " + e.getKey());
                    }
                }
            }
        }

        /** Call after all expressions of the request were parsed. */
        void checkAllUsed() {
            List<String> unusedNames = names.keySet().stream().filter(k -> !usedNames.contains(k)).toList();
            if (!unusedNames.isEmpty()) {
                throw DynamoException.validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {"
                        + String.join(", ", unusedNames) + "}");
            }
            List<String> unusedValues = values.keySet().stream().filter(k -> !usedValues.contains(k)).toList();
            if (!unusedValues.isEmpty()) {
                throw DynamoException.validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {"
                        + String.join(", ", unusedValues) + "}");
            }
        }
    }

    // ================================================================== public parse entry points

    static Cond parseCondition(String text, String kind, Ctx ctx) {
        Parser p = new Parser(text, kind, ctx);
        Cond c = p.condition();
        p.expectEnd();
        return c;
    }

    static Update parseUpdate(String text, Ctx ctx) {
        Parser p = new Parser(text, "UpdateExpression", ctx);
        Update u = p.update();
        p.expectEnd();
        checkOverlap(u.paths(), "UpdateExpression");
        return u;
    }

    static List<Path> parseProjection(String text, Ctx ctx) {
        Parser p = new Parser(text, "ProjectionExpression", ctx);
        List<Path> paths = new ArrayList<>();
        do {
            paths.add(p.path());
        } while (p.accept(Tok.COMMA));
        p.expectEnd();
        checkOverlap(paths, "ProjectionExpression");
        return paths;
    }

    /** Projection from the legacy AttributesToGet parameter. */
    static List<Path> pathsOf(JsonNode attributesToGet) {
        List<Path> paths = new ArrayList<>();
        for (JsonNode n : attributesToGet) paths.add(new Path(List.of(n.asText())));
        return paths;
    }

    private static void checkOverlap(List<Path> paths, String kind) {
        // Only paths under one top-level name can conflict: a linear pass finds whether any two do (a projection of
        // 200 attributes made 20,000 comparisons per request); the pairwise scan below then names the first pair.
        Set<String> tops = new HashSet<>();
        boolean shared = false;
        for (Path p : paths) shared |= !tops.add(p.top());
        if (!shared) return;
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                Path a = paths.get(i), b = paths.get(j);
                if (a.equals(b)) {
                    throw DynamoException.validation("Invalid " + kind + ": Two document paths conflict with each other; "
                            + "must remove or rewrite one of these paths; path one: " + a + ", path two: " + b);
                }
                if (a.isPrefixOf(b) || b.isPrefixOf(a)) {
                    throw DynamoException.validation("Invalid " + kind + ": Two document paths overlap with each other; "
                            + "must remove or rewrite one of these paths; path one: " + a + ", path two: " + b);
                }
            }
        }
    }

    // ================================================================== lexer

    enum Tok { NAME, HASH, VALUE, NUMBER, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT, EQ, NE, LT, LE, GT, GE, PLUS, MINUS, EOF }

    record Token(Tok kind, String text, int pos) {}

    private static final Set<String> CONDITION_FUNCTIONS =
            Set.of("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains");
    private static final Set<String> ALL_FUNCTIONS = Set.of("attribute_exists", "attribute_not_exists",
            "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append");
    private static final Set<String> TYPES = Set.of("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS");

    static final class Parser {
        final String text, kind;
        final Ctx ctx;
        final List<Token> toks = new ArrayList<>();
        int pos;

        Parser(String text, String kind, Ctx ctx) {
            this.text = text;
            this.kind = kind;
            this.ctx = ctx;
            if (text.isBlank()) throw err("The expression can not be empty;");
            lex();
        }

        DynamoException err(String detail) {
            return DynamoException.validation("Invalid " + kind + ": " + detail);
        }

        DynamoException syntax(Token t) {
            String tok = t.kind == Tok.EOF ? "<EOF>" : t.text;
            int idx = toks.indexOf(t);
            StringBuilder near = new StringBuilder();
            for (int i = Math.max(0, idx - 1); i <= Math.min(toks.size() - 1, idx + 1); i++) {
                if (toks.get(i).kind == Tok.EOF) continue;
                if (!near.isEmpty()) near.append(' ');
                near.append(toks.get(i).text);
            }
            return err("Syntax error; token: \"" + tok + "\", near: \"" + near + "\"");
        }

        private void lex() {
            int i = 0, n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) { i++; continue; }
                int start = i;
                if (c == '#' || c == ':') {
                    i++;
                    while (i < n && isWord(text.charAt(i))) i++;
                    if (i == start + 1) {
                        toks.add(new Token(Tok.NAME, String.valueOf(c), start));
                        throw syntax(toks.get(toks.size() - 1));
                    }
                    toks.add(new Token(c == '#' ? Tok.HASH : Tok.VALUE, text.substring(start, i), start));
                } else if (Character.isLetter(c) || c == '_') {
                    while (i < n && isWord(text.charAt(i))) i++;
                    toks.add(new Token(Tok.NAME, text.substring(start, i), start));
                } else if (Character.isDigit(c)) {
                    while (i < n && Character.isDigit(text.charAt(i))) i++;
                    toks.add(new Token(Tok.NUMBER, text.substring(start, i), start));
                } else {
                    Tok k;
                    int len = 1;
                    char d = i + 1 < n ? text.charAt(i + 1) : 0;
                    switch (c) {
                        case '(' -> k = Tok.LPAREN;
                        case ')' -> k = Tok.RPAREN;
                        case '[' -> k = Tok.LBRACKET;
                        case ']' -> k = Tok.RBRACKET;
                        case ',' -> k = Tok.COMMA;
                        case '.' -> k = Tok.DOT;
                        case '=' -> k = Tok.EQ;
                        case '+' -> k = Tok.PLUS;
                        case '-' -> k = Tok.MINUS;
                        case '<' -> {
                            if (d == '>') { k = Tok.NE; len = 2; }
                            else if (d == '=') { k = Tok.LE; len = 2; }
                            else k = Tok.LT;
                        }
                        case '>' -> {
                            if (d == '=') { k = Tok.GE; len = 2; }
                            else k = Tok.GT;
                        }
                        default -> {
                            toks.add(new Token(Tok.NAME, String.valueOf(c), start));
                            throw syntax(toks.get(toks.size() - 1));
                        }
                    }
                    i += len;
                    toks.add(new Token(k, text.substring(start, i), start));
                }
            }
            toks.add(new Token(Tok.EOF, "", n));
        }

        private static boolean isWord(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }

        Token peek() { return toks.get(pos); }
        Token peek(int ahead) { return toks.get(Math.min(pos + ahead, toks.size() - 1)); }
        Token next() { return toks.get(pos++); }

        boolean accept(Tok k) {
            if (peek().kind == k) { pos++; return true; }
            return false;
        }

        Token expect(Tok k) {
            Token t = peek();
            if (t.kind != k) throw syntax(t);
            return next();
        }

        boolean isKeyword(Token t, String kw) {
            return t.kind == Tok.NAME && t.text.equalsIgnoreCase(kw);
        }

        boolean acceptKeyword(String kw) {
            if (isKeyword(peek(), kw)) { pos++; return true; }
            return false;
        }

        void expectEnd() {
            if (peek().kind != Tok.EOF) throw syntax(peek());
        }

        // ---------------------------------------------------------- conditions

        Cond condition() {
            Cond l = and();
            while (acceptKeyword("OR")) l = new Or(l, and());
            return l;
        }

        Cond and() {
            Cond l = not();
            while (acceptKeyword("AND")) l = new And(l, not());
            return l;
        }

        Cond not() {
            if (acceptKeyword("NOT")) return new Not(not());
            return primary();
        }

        Cond primary() {
            Token t = peek();
            if (t.kind == Tok.LPAREN) {
                next();
                Cond c = condition();
                expect(Tok.RPAREN);
                return c;
            }
            if (t.kind == Tok.NAME && peek(1).kind == Tok.LPAREN && !t.text.equals("size")) {
                return conditionFunction();
            }
            Operand left = operand();
            Token op = peek();
            if (isKeyword(op, "BETWEEN")) {
                next();
                Operand lo = operand();
                if (!acceptKeyword("AND")) throw syntax(peek());
                Operand hi = operand();
                if (lo instanceof ValOp a && hi instanceof ValOp b) {
                    Integer cmp = Av.compareForCondition(a.value(), b.value());
                    if (cmp != null && cmp > 0) {
                        throw err("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                                + "lower bound operand: AttributeValue: " + Av.describe(a.value())
                                + ", upper bound operand: AttributeValue: " + Av.describe(b.value()));
                    }
                }
                return new Between(left, lo, hi);
            }
            if (isKeyword(op, "IN")) {
                next();
                expect(Tok.LPAREN);
                List<Operand> list = new ArrayList<>();
                do {
                    list.add(operand());
                } while (accept(Tok.COMMA));
                expect(Tok.RPAREN);
                if (list.size() > 100) throw err("The IN operator is provided with too many operands; number of operands: " + list.size());
                return new In(left, list);
            }
            String cmp = switch (op.kind) {
                case EQ -> "=";
                case NE -> "<>";
                case LT -> "<";
                case LE -> "<=";
                case GT -> ">";
                case GE -> ">=";
                default -> throw syntax(op);
            };
            next();
            return new Cmp(cmp, left, operand());
        }

        Cond conditionFunction() {
            Token fn = next();
            String name = fn.text;
            if (!ALL_FUNCTIONS.contains(name)) throw err("Invalid function name; function: " + name);
            if (!CONDITION_FUNCTIONS.contains(name)) {
                throw err("The function is not allowed to be used this way in an expression; function: " + name);
            }
            List<Operand> args = args();
            int expected = name.startsWith("attribute_") && !name.equals("attribute_type") ? 1 : 2;
            if (args.size() != expected) {
                throw err("Incorrect number of operands for operator or function; operator or function: " + name
                        + ", number of operands: " + args.size());
            }
            Operand first = args.get(0);
            switch (name) {
                case "attribute_exists", "attribute_not_exists", "attribute_type" -> {
                    if (!(first instanceof PathOp p)) {
                        throw err("Operator or function requires a document path; operator or function: " + name);
                    }
                    if (name.equals("attribute_type")) {
                        if (!(args.get(1) instanceof ValOp v) || !(v.value() instanceof Av.S s)) {
                            throw err("Incorrect operand type for operator or function; operator or function: attribute_type");
                        }
                        if (!TYPES.contains(s.v())) {
                            throw err("Invalid attribute type name found; type: " + s.v()
                                    + ", valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }");
                        }
                        return new TypeIs(p.path(), s.v());
                    }
                    return new Exists(p.path(), name.equals("attribute_exists"));
                }
                case "begins_with" -> {
                    return new BeginsWith(first, args.get(1));
                }
                default -> {
                    return new Contains(first, args.get(1));
                }
            }
        }

        List<Operand> args() {
            expect(Tok.LPAREN);
            List<Operand> args = new ArrayList<>();
            if (peek().kind != Tok.RPAREN) {
                do {
                    args.add(operand());
                } while (accept(Tok.COMMA));
            }
            expect(Tok.RPAREN);
            return args;
        }

        Operand operand() {
            Token t = peek();
            if (t.kind == Tok.VALUE) {
                next();
                return new ValOp(t.text, value(t.text));
            }
            if (t.kind == Tok.NAME && peek(1).kind == Tok.LPAREN) {
                String name = t.text;
                if (!ALL_FUNCTIONS.contains(name)) throw err("Invalid function name; function: " + name);
                if (!name.equals("size")) {
                    throw err("The function is not allowed to be used this way in an expression; function: " + name);
                }
                next();
                List<Operand> args = args();
                if (args.size() != 1) {
                    throw err("Incorrect number of operands for operator or function; operator or function: size, number of operands: "
                            + args.size());
                }
                if (!(args.get(0) instanceof PathOp p)) {
                    throw err("Operator or function requires a document path; operator or function: size");
                }
                return new SizeOp(p.path());
            }
            if (t.kind == Tok.NAME || t.kind == Tok.HASH) return new PathOp(path());
            throw syntax(t);
        }

        Av value(String token) {
            Av v = ctx.values.get(token);
            if (v == null) {
                throw err("An expression attribute value used in expression is not defined; attribute value: " + token);
            }
            ctx.usedValues.add(token);
            return v;
        }

        // ---------------------------------------------------------- paths

        Path path() {
            List<Object> elems = new ArrayList<>();
            elems.add(pathName());
            while (true) {
                if (accept(Tok.DOT)) {
                    elems.add(pathName());
                } else if (accept(Tok.LBRACKET)) {
                    Token n = expect(Tok.NUMBER);
                    try {
                        elems.add(Integer.parseInt(n.text));
                    } catch (NumberFormatException e) {
                        throw syntax(n);
                    }
                    expect(Tok.RBRACKET);
                } else {
                    return new Path(List.copyOf(elems));
                }
            }
        }

        String pathName() {
            Token t = next();
            if (t.kind == Tok.HASH) {
                String n = ctx.names.get(t.text);
                if (n == null) {
                    throw err("An expression attribute name used in the document path is not defined; attribute name: " + t.text);
                }
                ctx.usedNames.add(t.text);
                return n;
            }
            if (t.kind == Tok.NAME) {
                if (RESERVED.contains(t.text.toUpperCase(Locale.ROOT))) {
                    throw err("Attribute name is a reserved keyword; reserved keyword: " + t.text);
                }
                return t.text;
            }
            throw syntax(t);
        }

        // ---------------------------------------------------------- update

        Update update() {
            List<SetAct> sets = new ArrayList<>();
            List<Path> removes = new ArrayList<>();
            List<AddAct> adds = new ArrayList<>();
            List<DelAct> deletes = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            do {
                Token t = next();
                String clause = t.kind == Tok.NAME ? t.text.toUpperCase(Locale.ROOT) : "";
                if (!Set.of("SET", "REMOVE", "ADD", "DELETE").contains(clause)) throw syntax(t);
                if (!seen.add(clause)) {
                    throw err("The \"" + clause + "\" section can only be used once in an update expression;");
                }
                do {
                    switch (clause) {
                        case "SET" -> {
                            Path p = path();
                            expect(Tok.EQ);
                            sets.add(new SetAct(p, setValue()));
                        }
                        case "REMOVE" -> removes.add(path());
                        case "ADD" -> {
                            Path p = path();
                            Av v = updateOperandValue("ADD");
                            if (!(v instanceof Av.N || v instanceof Av.SS || v instanceof Av.NS || v instanceof Av.BS)) {
                                throw err("Incorrect operand type for operator or function; operator: ADD, operand type: "
                                        + typeName(v));
                            }
                            adds.add(new AddAct(p, v));
                        }
                        default -> {
                            Path p = path();
                            Av v = updateOperandValue("DELETE");
                            if (!(v instanceof Av.SS || v instanceof Av.NS || v instanceof Av.BS)) {
                                throw err("Incorrect operand type for operator or function; operator: DELETE, operand type: "
                                        + typeName(v));
                            }
                            deletes.add(new DelAct(p, v));
                        }
                    }
                } while (accept(Tok.COMMA));
            } while (peek().kind != Tok.EOF);
            return new Update(sets, removes, adds, deletes);
        }

        private Av updateOperandValue(String op) {
            Token t = peek();
            if (t.kind != Tok.VALUE) throw syntax(t);
            next();
            return value(t.text);
        }

        Operand setValue() {
            Operand a = setOperand();
            if (peek().kind == Tok.PLUS || peek().kind == Tok.MINUS) {
                char op = next().text.charAt(0);
                Operand b = setOperand();
                return new Arith(a, op, b);
            }
            return a;
        }

        Operand setOperand() {
            Token t = peek();
            if (t.kind == Tok.NAME && peek(1).kind == Tok.LPAREN) {
                String name = t.text;
                if (!ALL_FUNCTIONS.contains(name)) throw err("Invalid function name; function: " + name);
                if (!name.equals("if_not_exists") && !name.equals("list_append")) {
                    throw err("The function is not allowed in an update expression; function: " + name);
                }
                next();
                expect(Tok.LPAREN);
                List<Operand> args = new ArrayList<>();
                if (peek().kind != Tok.RPAREN) {
                    do {
                        args.add(setOperand());
                    } while (accept(Tok.COMMA));
                }
                expect(Tok.RPAREN);
                if (args.size() != 2) {
                    throw err("Incorrect number of operands for operator or function; operator or function: " + name
                            + ", number of operands: " + args.size());
                }
                if (name.equals("if_not_exists")) {
                    if (!(args.get(0) instanceof PathOp p)) {
                        throw err("Operator or function requires a document path; operator or function: if_not_exists");
                    }
                    return new IfNotExists(p.path(), args.get(1));
                }
                return new ListAppend(args.get(0), args.get(1));
            }
            if (t.kind == Tok.VALUE) {
                next();
                return new ValOp(t.text, value(t.text));
            }
            if (t.kind == Tok.NAME || t.kind == Tok.HASH) return new PathOp(path());
            throw syntax(t);
        }
    }

    private static String typeName(Av v) {
        return switch (v) {
            case Av.S ignored -> "STRING";
            case Av.N ignored -> "NUMBER";
            case Av.B ignored -> "BINARY";
            case Av.Bool ignored -> "BOOLEAN";
            case Av.Null ignored -> "NULL";
            case Av.M ignored -> "MAP";
            case Av.L ignored -> "LIST";
            default -> v.type();
        };
    }

    // ================================================================== evaluation

    static boolean eval(Cond c, Map<String, Av> item) {
        return switch (c) {
            case And a -> eval(a.l(), item) && eval(a.r(), item);
            case Or o -> eval(o.l(), item) || eval(o.r(), item);
            case Not n -> !eval(n.c(), item);
            case Exists e -> (get(item, e.path()) != null) == e.exists();
            case TypeIs t -> {
                Av v = get(item, t.path());
                yield v != null && v.type().equals(t.type());
            }
            case Cmp cmp -> {
                Av a = operand(cmp.l(), item), b = operand(cmp.r(), item);
                if (cmp.op().equals("=")) yield a != null && a.equals(b);
                if (cmp.op().equals("<>")) yield !(a != null && a.equals(b));
                if (a == null || b == null) yield false;
                Integer r = Av.compareForCondition(a, b);
                if (r == null) yield false;
                yield switch (cmp.op()) {
                    case "<" -> r < 0;
                    case "<=" -> r <= 0;
                    case ">" -> r > 0;
                    default -> r >= 0;
                };
            }
            case Between b -> {
                Av x = operand(b.x(), item), lo = operand(b.lo(), item), hi = operand(b.hi(), item);
                if (x == null || lo == null || hi == null) yield false;
                Integer r1 = Av.compareForCondition(x, lo), r2 = Av.compareForCondition(x, hi);
                yield r1 != null && r2 != null && r1 >= 0 && r2 <= 0;
            }
            case In in -> {
                Av x = operand(in.x(), item);
                if (x == null) yield false;
                for (Operand o : in.list()) if (x.equals(operand(o, item))) yield true;
                yield false;
            }
            case BeginsWith bw -> {
                Av a = operand(bw.a(), item), b = operand(bw.b(), item);
                if (a instanceof Av.S s && b instanceof Av.S p) yield s.v().startsWith(p.v());
                if (a instanceof Av.B s && b instanceof Av.B p) {
                    byte[] x = s.v().b(), y = p.v().b();
                    yield x.length >= y.length && Arrays.equals(x, 0, y.length, y, 0, y.length);
                }
                yield false;
            }
            case Contains ct -> {
                Av a = operand(ct.a(), item), b = operand(ct.b(), item);
                if (a == null || b == null) yield false;
                yield switch (a) {
                    case Av.S s -> b instanceof Av.S x && s.v().contains(x.v());
                    case Av.SS ss -> b instanceof Av.S x && ss.v().contains(x.v());
                    case Av.NS ns -> b instanceof Av.N x && ns.v().contains(x.v());
                    case Av.BS bs -> b instanceof Av.B x && bs.v().contains(x.v());
                    case Av.L l -> l.v().contains(b);
                    default -> false;
                };
            }
        };
    }

    /** Evaluates an operand against an item; null when it refers to a missing attribute. */
    static Av operand(Operand o, Map<String, Av> item) {
        return switch (o) {
            case ValOp v -> v.value();
            case PathOp p -> get(item, p.path());
            case SizeOp s -> {
                Av v = get(item, s.path());
                yield switch (v) {
                    case null -> null;
                    case Av.S x -> new Av.N(BigDecimal.valueOf(x.v().codePointCount(0, x.v().length())));
                    case Av.B x -> new Av.N(BigDecimal.valueOf(x.v().b().length));
                    case Av.SS x -> new Av.N(BigDecimal.valueOf(x.v().size()));
                    case Av.NS x -> new Av.N(BigDecimal.valueOf(x.v().size()));
                    case Av.BS x -> new Av.N(BigDecimal.valueOf(x.v().size()));
                    case Av.L x -> new Av.N(BigDecimal.valueOf(x.v().size()));
                    case Av.M x -> new Av.N(BigDecimal.valueOf(x.v().size()));
                    default -> null;
                };
            }
            case IfNotExists i -> {
                Av v = get(item, i.path());
                yield v != null ? v : requireOperand(i.fallback(), item);
            }
            case ListAppend la -> {
                Av a = requireOperand(la.a(), item), b = requireOperand(la.b(), item);
                if (!(a instanceof Av.L x) || !(b instanceof Av.L y)) {
                    throw DynamoException.validation("An operand in the update expression has an incorrect data type");
                }
                List<Av> list = new ArrayList<>(x.v());
                list.addAll(y.v());
                yield new Av.L(list);
            }
            case Arith ar -> {
                Av a = requireOperand(ar.a(), item), b = requireOperand(ar.b(), item);
                if (!(a instanceof Av.N x) || !(b instanceof Av.N y)) {
                    throw DynamoException.validation("An operand in the update expression has an incorrect data type");
                }
                BigDecimal r = ar.op() == '+' ? x.v().add(y.v()) : x.v().subtract(y.v());
                yield new Av.N(Av.checkNumber(r));
            }
        };
    }

    private static Av requireOperand(Operand o, Map<String, Av> item) {
        Av v = operand(o, item);
        if (v == null) {
            throw DynamoException.validation("The provided expression refers to an attribute that does not exist in the item");
        }
        return v;
    }

    // ================================================================== document paths

    static Av get(Map<String, Av> item, Path p) {
        if (item == null) return null;
        Av cur = item.get(p.top());
        for (int i = 1; i < p.elems().size() && cur != null; i++) {
            Object e = p.elems().get(i);
            if (e instanceof String s) {
                cur = cur instanceof Av.M m ? m.v().get(s) : null;
            } else {
                int idx = (Integer) e;
                cur = cur instanceof Av.L l && idx < l.v().size() ? l.v().get(idx) : null;
            }
        }
        return cur;
    }

    private static DynamoException invalidPath() {
        return DynamoException.validation("The document path provided in the update expression is invalid for update");
    }

    /** Sets a value in a mutable (deep-copied) item. */
    static void set(Map<String, Av> item, Path p, Av value) {
        if (p.elems().size() == 1) {
            item.put(p.top(), value);
            return;
        }
        Av parent = get(item, new Path(p.elems().subList(0, p.elems().size() - 1)));
        Object last = p.elems().get(p.elems().size() - 1);
        if (last instanceof String s && parent instanceof Av.M m) {
            m.v().put(s, value);
        } else if (last instanceof Integer idx && parent instanceof Av.L l) {
            if (idx < l.v().size()) l.v().set(idx, value);
            else l.v().add(value);
        } else {
            throw invalidPath();
        }
    }

    /** Removes a path from a mutable item; a missing leaf is a no-op. */
    static void remove(Map<String, Av> item, Path p) {
        if (p.elems().size() == 1) {
            item.remove(p.top());
            return;
        }
        Av parent = get(item, new Path(p.elems().subList(0, p.elems().size() - 1)));
        Object last = p.elems().get(p.elems().size() - 1);
        if (last instanceof String s && parent instanceof Av.M m) {
            m.v().remove(s);
        } else if (last instanceof Integer idx && parent instanceof Av.L l) {
            if (idx < l.v().size()) l.v().remove((int) idx);
        } else if (parent != null) {
            throw invalidPath();
        }
    }

    /**
     * Applies an update expression. All right-hand sides are evaluated against the old item first (as DynamoDB does),
     * then the actions are applied to a deep copy. Returns the new item.
     */
    static Map<String, Av> apply(Update u, Map<String, Av> old, Map<String, Av> base) {
        Map<String, Av> oldView = old == null ? Map.of() : old;
        List<Av> setValues = new ArrayList<>(u.sets().size());
        for (SetAct s : u.sets()) setValues.add(Av.deepCopy(requireOperand(s.value(), oldView)));
        Map<String, Av> item = Av.deepCopy(base);
        for (int i = 0; i < u.sets().size(); i++) set(item, u.sets().get(i).path(), setValues.get(i));
        // remove higher list indexes first so that earlier removals do not shift later ones
        List<Path> removes = new ArrayList<>(u.removes());
        removes.sort((a, b) -> {
            Object x = a.elems().get(a.elems().size() - 1), y = b.elems().get(b.elems().size() - 1);
            if (x instanceof Integer i && y instanceof Integer j) return Integer.compare(j, i);
            return 0;
        });
        for (Path p : removes) remove(item, p);
        for (AddAct a : u.adds()) {
            Av cur = get(item, a.path());
            Av v = a.value();
            Av result;
            if (cur == null) {
                result = v;
            } else if (cur instanceof Av.N x && v instanceof Av.N y) {
                result = new Av.N(Av.checkNumber(x.v().add(y.v())));
            } else if (cur instanceof Av.SS x && v instanceof Av.SS y) {
                Set<String> s = new LinkedHashSet<>(x.v());
                s.addAll(y.v());
                result = new Av.SS(s);
            } else if (cur instanceof Av.NS x && v instanceof Av.NS y) {
                Set<BigDecimal> s = new LinkedHashSet<>(x.v());
                s.addAll(y.v());
                result = new Av.NS(s);
            } else if (cur instanceof Av.BS x && v instanceof Av.BS y) {
                Set<Av.Bytes> s = new LinkedHashSet<>(x.v());
                s.addAll(y.v());
                result = new Av.BS(s);
            } else {
                throw DynamoException.validation("An operand in the update expression has an incorrect data type");
            }
            set(item, a.path(), result);
        }
        for (DelAct d : u.deletes()) {
            Av cur = get(item, d.path());
            if (cur == null) continue;
            Set<?> remaining;
            Av result;
            if (cur instanceof Av.SS x && d.value() instanceof Av.SS y) {
                Set<String> s = new LinkedHashSet<>(x.v());
                s.removeAll(y.v());
                remaining = s;
                result = new Av.SS(s);
            } else if (cur instanceof Av.NS x && d.value() instanceof Av.NS y) {
                Set<BigDecimal> s = new LinkedHashSet<>(x.v());
                s.removeAll(y.v());
                remaining = s;
                result = new Av.NS(s);
            } else if (cur instanceof Av.BS x && d.value() instanceof Av.BS y) {
                Set<Av.Bytes> s = new LinkedHashSet<>(x.v());
                s.removeAll(y.v());
                remaining = s;
                result = new Av.BS(s);
            } else {
                throw DynamoException.validation("An operand in the update expression has an incorrect data type");
            }
            if (remaining.isEmpty()) remove(item, d.path());
            else set(item, d.path(), result);
        }
        return item;
    }

    // ================================================================== projection

    /** Keeps only the given paths of an item; projected list elements are compacted, as DynamoDB does. */
    static Map<String, Av> project(Map<String, Av> item, List<Path> paths) {
        if (paths == null) return item;
        PNode root = new PNode();
        for (Path p : paths) {
            Av v = get(item, p);
            if (v == null) continue;
            PNode node = root;
            for (Object e : p.elems()) node = node.child(e);
            node.leaf = v;
        }
        Map<String, Av> out = new LinkedHashMap<>();
        if (root.keys != null) root.keys.forEach((k, n) -> out.put(k, n.build()));
        return out;
    }

    private static final class PNode {
        Av leaf;
        LinkedHashMap<String, PNode> keys;
        TreeMap<Integer, PNode> indexes;

        PNode child(Object e) {
            if (e instanceof String s) {
                if (keys == null) keys = new LinkedHashMap<>();
                return keys.computeIfAbsent(s, k -> new PNode());
            }
            if (indexes == null) indexes = new TreeMap<>();
            return indexes.computeIfAbsent((Integer) e, k -> new PNode());
        }

        Av build() {
            if (leaf != null) return leaf;
            if (keys != null) {
                Map<String, Av> m = new LinkedHashMap<>();
                keys.forEach((k, n) -> m.put(k, n.build()));
                return new Av.M(m);
            }
            List<Av> l = new ArrayList<>();
            indexes.values().forEach(n -> l.add(n.build()));
            return new Av.L(l);
        }
    }

    /** The paths touched by an update, projected for UPDATED_OLD / UPDATED_NEW. */
    static Map<String, Av> projectUpdated(Update u, Map<String, Av> item) {
        if (item == null) return Map.of();
        // a removed list element shifts the list: DynamoDB reports such paths coarsely too
        Set<Path> paths = new LinkedHashSet<>(u.paths());
        return project(item, new ArrayList<>(paths));
    }
}
