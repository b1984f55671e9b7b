package dev.pier.standin.dynamodb;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks that a request carries an AWS Signature Version 4 made with the stand-in's one access key, the way DynamoDB
 * checks it: the {@code Authorization} header's credential scope (date, {@code dynamodb}, {@code aws4_request}), its
 * signed headers ({@code host} and {@code x-amz-date} among them), an {@code X-Amz-Date} within 5 minutes of now,
 * and the signature itself, recomputed over exactly the headers the client signed and the body received, and compared
 * in constant time. Refusals are {@link DynamoException}s with DynamoDB's error types and messages (all HTTP 400, as
 * DynamoDB answers them).
 *
 * <p>The recipe is written out here rather than delegated to the SDK's {@code AwsV4HttpSigner}: that signer always
 * adds and signs {@code x-amz-content-sha256}, which botocore (awscli, boto3) does not send to DynamoDB, so it
 * cannot reproduce their canonical requests. Tests hold this class to both: requests signed by the SDK's signer and
 * by awscli pass, and a wrong secret, a changed body or an old date does not.
 *
 * <p>Any region is accepted (the stand-in serves all of them); query-string (presigned) authentication is not, as
 * DynamoDB's clients never use it. Thread-safe.
 */
final class SigV4Verifier {
    /** DynamoDB (like most AWS services) refuses requests whose date is further than this from its clock. */
    static final Duration MAX_SKEW = Duration.ofMinutes(5);
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String SERVICE = "dynamodb";
    private static final String CORAL = "com.amazon.coral.service#";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final String accessKeyId;
    private final byte[] secretKey;

    SigV4Verifier(String accessKeyId, String secretAccessKey) {
        this.accessKeyId = accessKeyId;
        this.secretKey = ("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Returns normally when the request is signed with this stand-in's credentials; throws otherwise.
     *
     * @param headers the request's headers, names in any case
     * @throws DynamoException {@code MissingAuthenticationTokenException}, {@code IncompleteSignatureException},
     *     {@code UnrecognizedClientException} or {@code InvalidSignatureException}
     */
    void verify(String method, URI uri, Map<String, List<String>> headers, byte[] body, Instant now) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        String authorization = first(byName, "Authorization");
        if (authorization == null || authorization.isBlank()) {
            throw refusal("MissingAuthenticationTokenException", "Request is missing Authentication Token");
        }
        Authorization auth = Authorization.parse(authorization);
        if (!MessageDigest.isEqual(auth.accessKeyId().getBytes(StandardCharsets.UTF_8),
                accessKeyId.getBytes(StandardCharsets.UTF_8))) {
            throw refusal("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        String amzDate = first(byName, "X-Amz-Date");
        if (amzDate == null) {
            throw refusal("IncompleteSignatureException",
                    "Authorization header requires existence of a 'X-Amz-Date' header. Authorization=" + authorization);
        }
        if (!auth.signedHeaders().contains("host") || !auth.signedHeaders().contains("x-amz-date")) {
            throw refusal("InvalidSignatureException",
                    "'Host' and 'X-Amz-Date' must be signed headers; SignedHeaders=" + String.join(";", auth.signedHeaders()));
        }
        Instant signedAt = parseDate(amzDate);
        checkScope(auth, amzDate);
        checkSkew(amzDate, signedAt, now);
        checkPayloadHash(byName, body);

        StringBuilder canonical = new StringBuilder()
                .append(method).append('\n')
                .append(canonicalPath(uri.getRawPath())).append('\n')
                .append(canonicalQuery(uri.getRawQuery())).append('\n');
        for (String name : auth.signedHeaders()) {
            List<String> values = byName.get(name);
            if (values == null) {
                throw refusal("InvalidSignatureException", "Signed header '" + name + "' is not in the request.");
            }
            canonical.append(name).append(':');
            for (int i = 0; i < values.size(); i++) {
                canonical.append(i == 0 ? "" : ",").append(values.get(i).trim().replaceAll(" +", " "));
            }
            canonical.append('\n');
        }
        canonical.append('\n').append(String.join(";", auth.signedHeaders())).append('\n').append(sha256Hex(body));
        String scope = auth.date() + "/" + auth.region() + "/" + SERVICE + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
        byte[] key = signingKey(auth.date(), auth.region());
        byte[] expected = HEX.formatHex(hmac(key, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, auth.signature().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            throw refusal("InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method. Consult the "
                    + "service documentation for details.");
        }
    }

    /**
     * The path with dot segments removed, each byte outside the unreserved set percent-encoded once more: services
     * other than S3 sign the already-encoded path encoded again.
     */
    private static String canonicalPath(String rawPath) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : URI.create(rawPath).normalize().getRawPath();
        return encode(path.isEmpty() ? "/" : path, true);
    }

    /** Parameters decoded, re-encoded strictly and sorted by name, then value. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            pairs.add(encode(decode(kv[0]), false) + "=" + encode(kv.length == 2 ? decode(kv[1]) : "", false));
        }
        pairs.sort(null);
        return String.join("&", pairs);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** RFC 3986 percent-encoding of every byte but the unreserved characters (and '/' when asked). */
    private static String encode(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }

    /** The last signing key derived, with its date and region: the key changes once a day, not per request. */
    private record SigningKey(String date, String region, byte[] key) {}

    private volatile SigningKey lastKey;

    private byte[] signingKey(String date, String region) {
        SigningKey k = lastKey;
        if (k == null || !k.date().equals(date) || !k.region().equals(region)) {
            byte[] key = hmac(secretKey, date);
            key = hmac(key, region);
            key = hmac(key, SERVICE);
            key = hmac(key, "aws4_request");
            lastKey = k = new SigningKey(date, region, key);
        }
        return k.key();
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static Instant parseDate(String amzDate) {
        try {
            return Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw refusal("IncompleteSignatureException",
                    "X-Amz-Date '" + amzDate + "' is not an ISO 8601 basic date-time (yyyyMMdd'T'HHmmss'Z').");
        }
    }

    private static void checkScope(Authorization auth, String amzDate) {
        if (!amzDate.startsWith(auth.date())) {
            throw refusal("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from "
                    + "ISO-8601 version of date from HTTP: '" + auth.date() + "' != '" + amzDate.substring(0, 8)
                    + "', from '" + amzDate + "'.");
        }
        if (!SERVICE.equals(auth.service())) {
            throw refusal("InvalidSignatureException",
                    "Credential should be scoped to correct service: '" + SERVICE + "'.");
        }
        if (!"aws4_request".equals(auth.terminator())) {
            throw refusal("InvalidSignatureException", "Credential should be scoped with a valid terminator: "
                    + "'aws4_request', not '" + auth.terminator() + "'.");
        }
    }

    private static void checkSkew(String amzDate, Instant signedAt, Instant now) {
        if (signedAt.isBefore(now.minus(MAX_SKEW))) {
            throw refusal("InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than "
                    + AMZ_DATE.format(now.minus(MAX_SKEW)) + " (" + AMZ_DATE.format(now) + " - 5 min.)");
        }
        if (signedAt.isAfter(now.plus(MAX_SKEW))) {
            throw refusal("InvalidSignatureException", "Signature not yet current: " + amzDate
                    + " is still later than " + AMZ_DATE.format(now.plus(MAX_SKEW)) + " (" + AMZ_DATE.format(now)
                    + " + 5 min.)");
        }
    }

    /**
     * A client may state the body's hash in {@code X-Amz-Content-Sha256} (the SDK does); the signature covers the
     * body itself, but a stated hash that is not the body's is refused rather than silently ignored.
     */
    private static void checkPayloadHash(Map<String, List<String>> headers, byte[] body) {
        String stated = first(headers, "X-Amz-Content-Sha256");
        if (stated == null) {
            return;
        }
        if (!sha256Hex(body).equalsIgnoreCase(stated.trim())) {
            throw refusal("InvalidSignatureException",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static DynamoException refusal(String type, String message) {
        return new DynamoException(CORAL + type, message);
    }

    /**
     * {@code AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b,
     * Signature=<hex>}.
     */
    private record Authorization(String accessKeyId, String date, String region, String service, String terminator,
            List<String> signedHeaders, String signature) {

        static Authorization parse(String header) {
            String h = header.trim();
            if (!h.startsWith(ALGORITHM + " ")) {
                throw refusal("IncompleteSignatureException", "Unsupported AWS 'algorithm': '"
                        + h.split(" ", 2)[0] + "' (only " + ALGORITHM + " is)");
            }
            Map<String, String> params = new TreeMap<>();
            for (String part : h.substring(ALGORITHM.length()).split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length == 2) {
                    params.put(kv[0].trim(), kv[1].trim());
                }
            }
            StringBuilder missing = new StringBuilder();
            for (String required : List.of("Credential", "SignedHeaders", "Signature")) {
                if (!params.containsKey(required) || params.get(required).isEmpty()) {
                    missing.append("Authorization header requires '").append(required).append("' parameter. ");
                }
            }
            if (!missing.isEmpty()) {
                throw refusal("IncompleteSignatureException", missing + "Authorization=" + header);
            }
            String[] scope = params.get("Credential").split("/");
            if (scope.length != 5 || Arrays.stream(scope).anyMatch(String::isEmpty)) {
                throw refusal("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited "
                        + "elements, e.g. keyid/date/region/service/term, got '" + params.get("Credential") + "'");
            }
            List<String> signed = Arrays.stream(params.get("SignedHeaders").split(";"))
                    .map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
            return new Authorization(scope[0], scope[1], scope[2], scope[3], scope[4], signed,
                    params.get("Signature"));
        }
    }
}
