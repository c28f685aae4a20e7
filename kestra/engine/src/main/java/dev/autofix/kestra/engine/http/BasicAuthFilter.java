package dev.autofix.kestra.engine.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

import org.reactivestreams.Publisher;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;

/**
 * Basic auth as Kestra 2.0 OSS: every {@code /api/v1/**} call needs the configured e-mail and password, except the
 * open URLs (GET /api/v1/configs). The scheme is case-insensitive ({@code basic} works) and the UI's
 * {@code BASIC_AUTH} cookie (the same base64 token) authenticates too. A refusal is a 401 with no body and
 * {@code WWW-Authenticate: Basic}. Basic auth is initialised only for an e-mail username and a password of 8+
 * characters with an upper-case letter, a lower-case letter and a digit; otherwise every covered call is 401.
 */
@Filter("/api/v1/**")
public class BasicAuthFilter implements HttpServerFilter {
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern PASSWORD = Pattern.compile("^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{8,}$");

    private final byte[] expected;
    private final boolean initialized;

    public BasicAuthFilter(@Value("${kestra.server.basic-auth.username}") String username,
        @Value("${kestra.server.basic-auth.password}") String password) {
        this.expected = Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
        this.initialized = initialized(username, password);
    }

    static boolean initialized(String username, String password) {
        return username != null && password != null && EMAIL.matcher(username).matches() && PASSWORD.matcher(password).matches();
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        if ("/api/v1/configs".equals(request.getPath())) {
            return chain.proceed(request);
        }
        if (initialized && (matches(fromHeader(request)) || matches(request.getCookies().findCookie("BASIC_AUTH").map(Cookie::getValue)))) {
            return chain.proceed(request);
        }
        return Publishers.just(HttpResponse.unauthorized().header("WWW-Authenticate", "Basic"));
    }

    private static Optional<String> fromHeader(HttpRequest<?> request) {
        return request.getHeaders().getAuthorization()
            .filter(h -> h.regionMatches(true, 0, "Basic ", 0, 6))
            .map(h -> h.substring(6).trim());
    }

    private boolean matches(Optional<String> token) {
        return token.isPresent() && MessageDigest.isEqual(expected, token.get().getBytes(StandardCharsets.UTF_8));
    }
}
